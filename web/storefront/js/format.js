// Small rendering helpers shared by the pages.

export function money(value) {
  return `$${(Number(value) || 0).toFixed(2)}`;
}

/** Orders dates look like `2019-12-23T09:26:57.477+0000`; show `2019-12-23 09:26`. */
export function orderDate(date) {
  if (typeof date !== 'string') return '';
  return date.split('.')[0].replace('T', ' ').slice(0, 16);
}

/** Builds an element: el('a', {href: '/x', class: 'y'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A product image that falls back to a drawn sock when the file is missing. */
export function sockImage(src, alt) {
  const img = el('img', { src: src || '/img/sock.svg', alt, loading: 'lazy' });
  img.addEventListener('error', () => {
    if (!img.src.endsWith('/img/sock.svg')) img.src = '/img/sock.svg';
  });
  return img;
}

export function notice(kind, text) {
  return el('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function statusBadge(status) {
  return el(
    'span',
    { class: `status status-${String(status).toLowerCase()}` },
    String(status).replace(/_/g, ' '),
  );
}

export function productCard(sock) {
  const href = `detail.html?id=${encodeURIComponent(sock.id)}`;
  return el(
    'article',
    { class: 'product' },
    el('a', { href }, sockImage(sock.imageUrl && sock.imageUrl[0], sock.name)),
    el(
      'div',
      { class: 'body' },
      el('a', { class: 'name', href }, sock.name),
      el('span', { class: 'price' }, money(sock.price)),
      el(
        'div',
        { class: 'tags' },
        (sock.tag || []).map((t) => el('span', { class: 'tag' }, t)),
      ),
    ),
  );
}
