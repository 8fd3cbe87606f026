import { listSocks } from '../api.js';
import { el, productCard } from '../format.js';
import { initLayout } from '../layout.js';

initLayout('index.html');
const grid = document.getElementById('featured');
const socks = await listSocks({ page: 1, size: 5 });
grid.replaceChildren(
  ...(socks.length
    ? socks.map(productCard)
    : [el('p', { class: 'empty' }, 'The catalogue is unavailable right now.')]),
);
grid.removeAttribute('aria-busy');
