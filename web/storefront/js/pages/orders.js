import { isLoggedIn, listOrders, orderIdOf, orderStatus } from '../api.js';
import { el, money, orderDate, statusBadge } from '../format.js';
import { initLayout } from '../layout.js';

const layout = initLayout('customer-orders.html');
const box = document.getElementById('orders');

if (!isLoggedIn()) {
  const button = el('button', { type: 'button' }, 'Log in');
  button.addEventListener('click', () => layout.openLogin());
  box.replaceChildren(el('p', { class: 'empty' }, 'Log in to see your orders. '), button);
} else {
  const { status, orders, message } = await listOrders();
  if (status !== 201) {
    box.replaceChildren(
      el('div', { class: 'notice error', role: 'alert' }, message || 'Your orders could not be loaded.'),
    );
  } else if (orders.length === 0) {
    box.replaceChildren(
      el('p', { class: 'empty' }, 'No orders yet. ', el('a', { href: 'category.html' }, 'Start shopping')),
    );
  } else {
    // Newest first: the orders service ignores `sort`, so sort here.
    const sorted = [...orders].sort((a, b) => String(b.date).localeCompare(String(a.date)));
    box.replaceChildren(
      el(
        'table',
        { id: 'orders-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'Order'),
            el('th', {}, 'Date'),
            el('th', { class: 'num' }, 'Total'),
            el('th', {}, 'Status'),
          ),
        ),
        el(
          'tbody',
          {},
          sorted.map((order) => {
            const id = orderIdOf(order);
            return el(
              'tr',
              { class: 'order-row', 'data-order': id },
              el(
                'td',
                {},
                el('a', { href: `customer-order.html?order=${encodeURIComponent(id)}` }, `#${id.slice(-8)}`),
              ),
              el('td', {}, orderDate(order.date)),
              el('td', { class: 'num' }, money(order.total)),
              el('td', {}, statusBadge(orderStatus(order))),
            );
          }),
        ),
      ),
    );
  }
}
box.removeAttribute('aria-busy');
