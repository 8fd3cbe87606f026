/** Quantities as the apiserver prints them. */

const DECIMAL_SUFFIXES = ['m', '', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * A milli-unit integer in canonical DecimalSI form, as `resource.NewMilliQuantity(v, DecimalSI).String()`
 * prints it: trailing groups of three zeros become a suffix ("250m", "1", "1500m", "60M", "31457280").
 */
export function formatMilliDecimal(milli: number): string {
  let value = Math.trunc(milli);
  if (value === 0) return '0';
  let index = 0;
  while (index < DECIMAL_SUFFIXES.length - 1 && value % 1000 === 0) {
    value /= 1000;
    index++;
  }
  return `${value}${DECIMAL_SUFFIXES[index]}`;
}
