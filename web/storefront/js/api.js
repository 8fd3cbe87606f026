// Calls to the front-end API, shaped the way the original pages used it (sockshop-spec §3.6).

export const SHIPPING = 4.99; // the original pages add this flat shipping fee

/** Value of a cookie the page can read (`logged_in` is not HttpOnly). */
export function cookie(name) {
  const found = document.cookie.split('; ').find((part) => part.startsWith(name + '='));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : undefined;
}

export function isLoggedIn() {
  return Boolean(cookie('logged_in'));
}

/** Logout is client-side only, as in the original: the server keeps the session. */
export function logout() {
  document.cookie = 'logged_in=; Max-Age=0; Path=/';
}

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json; charset=utf-8';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: res.status, ok: res.ok, data };
}

/** Proxied catalogue reads always answer 200; an error shows up as `status_code` in the body. */
function failed(data) {
  return data === null || (typeof data === 'object' && !Array.isArray(data) && 'status_code' in data);
}

export async function listSocks({ page = 1, size = 6, tags = [], q = '' } = {}) {
  const params = new URLSearchParams({ page: String(page), size: String(size) });
  if (tags.length) params.set('tags', tags.join(','));
  if (q) params.set('q', q);
  const { data } = await call('GET', `/catalogue?${params}`);
  return Array.isArray(data) ? data : [];
}

export async function countSocks({ tags = [], q = '' } = {}) {
  const params = new URLSearchParams();
  if (tags.length) params.set('tags', tags.join(','));
  if (q) params.set('q', q);
  const { data } = await call('GET', `/catalogue/size?${params}`);
  return failed(data) ? 0 : Number(data.size) || 0;
}

export async function getSock(id) {
  const { data } = await call('GET', `/catalogue/${encodeURIComponent(id)}`);
  return failed(data) ? undefined : data;
}

export async function listTags() {
  const { data } = await call('GET', '/tags');
  return failed(data) || !Array.isArray(data.tags) ? [] : data.tags;
}

export async function getCart() {
  const { ok, data } = await call('GET', '/cart');
  return ok && Array.isArray(data) ? data : [];
}

export const addToCart = (id) => call('POST', '/cart', { id, quantity: 1 });
export const updateCartItem = (id, quantity) => call('POST', '/cart/update', { id, quantity });
export const removeFromCart = (id) => call('DELETE', `/cart/${encodeURIComponent(id)}`);
export const emptyCart = () => call('DELETE', '/cart');

export async function login(username, password) {
  const token = btoa(unescape(encodeURIComponent(`${username}:${password}`)));
  return call('GET', '/login', undefined, { authorization: `Basic ${token}` });
}

export const register = (account) => call('POST', '/register', account);

export async function currentCustomer() {
  const id = cookie('logged_in');
  if (!id) return undefined;
  const { data } = await call('GET', `/customers/${encodeURIComponent(id)}`);
  return failed(data) ? undefined : data;
}

export async function firstAddress() {
  const { data } = await call('GET', '/address');
  return failed(data) ? undefined : data;
}

export async function firstCard() {
  const { data } = await call('GET', '/card');
  return failed(data) ? undefined : data;
}

export const placeOrder = () => call('POST', '/orders');

export async function listOrders() {
  const { status, data } = await call('GET', '/orders');
  return { status, orders: Array.isArray(data) ? data : [], message: data && data.message };
}

export async function getOrder(id) {
  const { ok, data } = await call('GET', `/orders/${encodeURIComponent(id)}`);
  return ok ? data : undefined;
}

/** The order id is the last segment of `_links.self.href`. */
export function orderIdOf(order) {
  const href = order && order._links && order._links.self && order._links.self.href;
  return href ? href.split('/').pop() : '';
}

/** Our orders carry a `status` (extension); the original had none and the pages said "shipped". */
export function orderStatus(order) {
  return (order && typeof order.status === 'string' && order.status) || 'shipped';
}
