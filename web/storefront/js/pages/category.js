import { countSocks, listSocks, listTags } from '../api.js';
import { el, productCard } from '../format.js';
import { initLayout } from '../layout.js';

const PAGE_SIZE = 6;
initLayout('category.html');

// The view state lives in the URL so links and the back button work.
const params = new URLSearchParams(location.search);
const state = {
  tags: (params.get('tags') || '').split(',').filter(Boolean),
  q: params.get('q') || '',
  page: Math.max(1, Number(params.get('page')) || 1),
};

const tagBox = document.getElementById('tags');
const products = document.getElementById('products');
const pager = document.getElementById('pager');
const count = document.getElementById('result-count');
const searchForm = document.getElementById('search');
const searchInput = document.getElementById('search-input');
searchInput.value = state.q;

function navigate(changes) {
  Object.assign(state, changes);
  const next = new URLSearchParams();
  if (state.tags.length) next.set('tags', state.tags.join(','));
  if (state.q) next.set('q', state.q);
  if (state.page > 1) next.set('page', String(state.page));
  history.replaceState(null, '', `category.html${next.size ? '?' + next : ''}`);
  void render();
}

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  navigate({ q: searchInput.value.trim(), page: 1 });
});
document.getElementById('clear-filters').addEventListener('click', () => {
  searchInput.value = '';
  navigate({ tags: [], q: '', page: 1 });
});

const tags = await listTags();
function renderTags() {
  tagBox.replaceChildren(
    ...tags.map((tag) => {
      const on = state.tags.includes(tag);
      return el(
        'button',
        {
          type: 'button',
          class: 'chip',
          'aria-pressed': String(on),
          onclick: () =>
            navigate({ tags: on ? state.tags.filter((t) => t !== tag) : [...state.tags, tag], page: 1 }),
        },
        tag,
      );
    }),
  );
}

async function render() {
  renderTags();
  products.setAttribute('aria-busy', 'true');
  const filter = { tags: state.tags, q: state.q };
  const [socks, total] = await Promise.all([
    listSocks({ ...filter, page: state.page, size: PAGE_SIZE }),
    countSocks(filter),
  ]);
  count.textContent = `${total} ${total === 1 ? 'sock' : 'socks'}`;
  products.replaceChildren(
    ...(socks.length
      ? socks.map(productCard)
      : [el('p', { class: 'empty' }, 'No socks match these filters.')]),
  );
  products.removeAttribute('aria-busy');
  const pages = Math.ceil(total / PAGE_SIZE);
  pager.replaceChildren(
    ...(pages > 1
      ? Array.from({ length: pages }, (_, i) =>
          el(
            'button',
            {
              type: 'button',
              class: i + 1 === state.page ? '' : 'secondary',
              'aria-current': i + 1 === state.page ? 'page' : undefined,
              onclick: () => navigate({ page: i + 1 }),
            },
            String(i + 1),
          ),
        )
      : []),
  );
}

await render();
