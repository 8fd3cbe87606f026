/** Single-precision arithmetic, as the original Java and Go services compute prices (sockshop-spec §2.3). */
export const f32 = Math.fround;

/** Java's `amount = 0F; amount += Σ(q·p); amount += 4.99F` (sockshop-spec §6.3). */
export function orderTotal(
  items: ReadonlyArray<{ quantity: number; unitPrice: number }>,
  shipping: number,
): number {
  let sum = 0;
  for (const item of items) sum += f32(item.quantity * f32(item.unitPrice));
  return f32(f32(sum) + f32(shipping));
}

/** Shortest decimal that round-trips through float32, as Java's Float.toString and Go's float32 JSON print it. */
export function formatFloat32(value: number): number {
  const target = f32(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (f32(candidate) === target) return candidate;
  }
  return target;
}
