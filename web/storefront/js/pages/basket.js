import {
  emptyCart,
  firstAddress,
  firstCard,
  getCart,
  getSock,
  isLoggedIn,
  listSocks,
  orderIdOf,
  placeOrder,
  removeFromCart,
  SHIPPING,
  updateCartItem,
} from '../api.js';
import { el, money, productCard, sockImage } from '../format.js';
import { initLayout, refreshBasket } from '../layout.js';

const layout = initLayout('basket.html');
const lines = document.getElementById('lines');
const checkout = document.getElementById('checkout');
const messages = document.getElementById('messages');
const say = (kind, text, ...extra) =>
  messages.replaceChildren(
    el(
      'div',
      { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', id: 'order-message' },
      text,
      ...extra,
    ),
  );

async function render() {
  const items = await getCart();
  const socks = await Promise.all(items.map((item) => getSock(item.itemId)));
  lines.removeAttribute('aria-busy');
  if (items.length === 0) {
    lines.replaceChildren(
      el(
        'p',
        { class: 'empty' },
        'Your basket is empty. ',
        el('a', { href: 'category.html' }, 'Find some socks'),
      ),
    );
    renderCheckout(0, 0);
    return;
  }
  const rows = items.map((item, i) => {
    const sock = socks[i];
    const name = sock ? sock.name : item.itemId;
    const qty = el('input', {
      class: 'qty',
      type: 'number',
      min: '1',
      value: String(item.quantity),
      'aria-label': `Quantity of ${name}`,
    });
    qty.addEventListener('change', async () => {
      const res = await updateCartItem(item.itemId, Math.max(1, Number(qty.value) || 1));
      if (res.status !== 202) say('error', 'Could not update the quantity.');
      await refresh();
    });
    const remove = el('button', { type: 'button', class: 'link' }, 'Remove');
    remove.addEventListener('click', async () => {
      await removeFromCart(item.itemId);
      await refresh();
    });
    return el(
      'tr',
      { class: 'cart-line', 'data-item': item.itemId },
      el(
        'td',
        {},
        el(
          'div',
          { class: 'line-item' },
          sockImage(sock && sock.imageUrl && sock.imageUrl[0], name),
          el('a', { href: `detail.html?id=${encodeURIComponent(item.itemId)}` }, name),
        ),
      ),
      el('td', {}, qty),
      el('td', { class: 'num' }, money(item.unitPrice)),
      el('td', { class: 'num' }, money(item.quantity * item.unitPrice)),
      el('td', { class: 'num' }, remove),
    );
  });
  const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  lines.replaceChildren(
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'Sock'),
          el('th', {}, 'Quantity'),
          el('th', { class: 'num' }, 'Price'),
          el('th', { class: 'num' }, 'Total'),
          el('th', {}),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
  renderCheckout(items.length, subtotal);
}

function renderCheckout(count, subtotal) {
  const summary = el(
    'div',
    { class: 'summary' },
    el('span', {}, 'Subtotal'),
    el('span', { class: 'num' }, money(subtotal)),
    el('span', {}, 'Shipping'),
    el('span', { class: 'num' }, money(count ? SHIPPING : 0)),
    el('span', { class: 'total' }, 'Total'),
    el('span', { class: 'total num', id: 'basket-total' }, money(count ? subtotal + SHIPPING : 0)),
  );
  checkout.replaceChildren(el('h2', { style: 'margin-top:0' }, 'Order summary'), summary);
  if (!isLoggedIn()) {
    const login = el('button', { type: 'button', id: 'login-to-checkout' }, 'Log in to check out');
    login.addEventListener('click', () => layout.openLogin());
    checkout.append(login);
    return;
  }
  const details = el('div', { class: 'muted', id: 'delivery' }, 'Loading delivery details…');
  const button = el(
    'button',
    { type: 'button', id: 'checkout-button', disabled: count === 0 },
    'Place order',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    const res = await placeOrder();
    if (res.status === 201) {
      await emptyCart();
      const id = orderIdOf(res.data) || (res.data && res.data.id);
      say(
        'ok',
        'Order placed. ',
        id ? el('a', { href: `customer-order.html?order=${encodeURIComponent(id)}` }, 'See the order') : '',
        ' · ',
        el('a', { href: 'customer-orders.html' }, 'All orders'),
      );
      await refresh();
    } else {
      const reason =
        res.data && typeof res.data === 'object' && res.data.message
          ? res.data.message
          : `status ${res.status}`;
      say('error', res.status === 406 ? reason : `The order could not be placed: ${reason}`);
      button.disabled = false;
    }
  });
  checkout.append(details, button);
  void Promise.all([firstAddress(), firstCard()]).then(([address, card]) => {
    details.replaceChildren(
      el(
        'div',
        {},
        address
          ? `Ship to ${address.number} ${address.street}, ${address.city} ${address.postcode}`
          : 'No delivery address on file.',
      ),
      el('div', {}, card ? `Card ending ${card.number}` : 'No payment card on file.'),
    );
  });
}

async function refresh() {
  await Promise.all([render(), refreshBasket()]);
}

await render();
const recommended = await listSocks({ size: 3 });
document.getElementById('recommended').replaceChildren(...recommended.map(productCard));
