import { getOrder, getSock, orderStatus, SHIPPING } from '../api.js';
import { el, money, notice, orderDate, statusBadge } from '../format.js';
import { initLayout } from '../layout.js';

initLayout('customer-orders.html');
const box = document.getElementById('order');
// The original linked `?order=/orders/<id>`; plain ids work too.
const param = new URLSearchParams(location.search).get('order') || '';
const id = param.split('/').pop();
const order = id ? await getOrder(id) : undefined;

if (!order) {
  box.replaceChildren(
    notice('error', 'This order could not be found.'),
    el('a', { href: 'customer-orders.html' }, 'Back to my orders'),
  );
} else {
  const items = Array.isArray(order.items) ? order.items : [];
  const socks = await Promise.all(items.map((item) => getSock(item.itemId)));
  const address = order.address || {};
  const card = order.card || {};
  const history = Array.isArray(order.statusHistory) ? order.statusHistory : [];
  box.replaceChildren(
    el('h1', {}, `Order #${id.slice(-8)} `, statusBadge(orderStatus(order))),
    el('p', { class: 'muted' }, `Placed ${orderDate(order.date)}`),
    el(
      'section',
      { class: 'panel' },
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
            el('th', { class: 'num' }, 'Quantity'),
            el('th', { class: 'num' }, 'Price'),
            el('th', { class: 'num' }, 'Total'),
          ),
        ),
        el(
          'tbody',
          {},
          items.map((item, i) =>
            el(
              'tr',
              {},
              el(
                'td',
                {},
                socks[i]
                  ? el('a', { href: `detail.html?id=${encodeURIComponent(item.itemId)}` }, socks[i].name)
                  : item.itemId,
              ),
              el('td', { class: 'num' }, String(item.quantity)),
              el('td', { class: 'num' }, money(item.unitPrice)),
              el('td', { class: 'num' }, money(item.quantity * item.unitPrice)),
            ),
          ),
        ),
      ),
      el(
        'div',
        { class: 'summary' },
        el('span', {}, 'Shipping'),
        el('span', { class: 'num' }, money(SHIPPING)),
        el('span', { class: 'total' }, 'Total'),
        el('span', { class: 'total num' }, money(order.total)),
      ),
    ),
    el('h2', {}, 'Delivery'),
    el(
      'section',
      { class: 'panel' },
      el(
        'p',
        {},
        [address.number, address.street].filter(Boolean).join(' '),
        el('br'),
        [address.city, address.postcode, address.country].filter(Boolean).join(', '),
      ),
      el(
        'p',
        { class: 'muted' },
        card.longNum ? `Paid with card ending ${String(card.longNum).slice(-4)}` : '',
      ),
      history.length
        ? el(
            'ul',
            {},
            history.map((h) =>
              el(
                'li',
                {},
                `${orderDate(h.date)} · ${String(h.status).replace(/_/g, ' ')}${h.reason ? ` (${h.reason})` : ''}`,
              ),
            ),
          )
        : '',
    ),
  );
}
box.removeAttribute('aria-busy');
