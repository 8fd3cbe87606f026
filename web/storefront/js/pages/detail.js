import { addToCart, getSock, listSocks } from '../api.js';
import { el, money, notice, productCard, sockImage } from '../format.js';
import { initLayout, refreshBasket } from '../layout.js';

initLayout('category.html');
const box = document.getElementById('detail');
const id = new URLSearchParams(location.search).get('id') || '';
const sock = id ? await getSock(id) : undefined;

if (!sock) {
  box.replaceChildren(
    notice('error', 'This sock could not be found.'),
    el('a', { href: 'category.html' }, 'Back to the catalogue'),
  );
} else {
  document.title = `${sock.name} · Sock Shop`;
  const images = (sock.imageUrl || []).filter(Boolean);
  const main = sockImage(images[0], sock.name);
  const message = el('div', { 'aria-live': 'polite' });
  const add = el('button', { type: 'button', id: 'add-to-cart' }, 'Add to basket');
  add.addEventListener('click', async () => {
    add.disabled = true;
    const res = await addToCart(sock.id);
    add.disabled = false;
    message.replaceChildren(
      res.status === 201
        ? notice('ok', `${sock.name} is in your basket.`)
        : notice('error', (res.data && res.data.message) || 'Could not add to the basket.'),
    );
    await refreshBasket();
  });
  box.replaceChildren(
    el(
      'article',
      { class: 'detail' },
      el(
        'div',
        { class: 'gallery' },
        main,
        el(
          'div',
          { class: 'thumbs' },
          images.map((src) => {
            const thumb = sockImage(src, `${sock.name} view`);
            thumb.addEventListener('click', () => (main.src = thumb.src));
            return thumb;
          }),
        ),
      ),
      el(
        'div',
        {},
        el('h1', {}, sock.name),
        el('p', { class: 'price' }, money(sock.price)),
        el(
          'div',
          { class: 'tags' },
          (sock.tag || []).map((t) =>
            el('a', { class: 'tag', href: `category.html?tags=${encodeURIComponent(t)}` }, t),
          ),
        ),
        el('p', {}, sock.description),
        el('p', { class: 'muted' }, `${sock.count} in stock`),
        add,
        message,
      ),
    ),
  );
  const firstTag = (sock.tag || [])[0];
  const related = firstTag
    ? (await listSocks({ size: 4, tags: [firstTag] })).filter((s) => s.id !== sock.id).slice(0, 3)
    : [];
  document.getElementById('related').replaceChildren(...related.map(productCard));
}
box.removeAttribute('aria-busy');
