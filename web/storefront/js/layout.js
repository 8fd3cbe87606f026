// Header (navigation, account, basket badge), footer, and the login / register dialog.
import { currentCustomer, getCart, isLoggedIn, login, logout, register } from './api.js';
import { el, money } from './format.js';

const LOGO = `<svg viewBox="0 0 32 32" aria-hidden="true"><path d="M11 3h10v13c0 2 1 3 2 4l3 3c2 2 1 6-2 6-1 0-2-1-3-1l-7-6c-2-1-3-3-3-5z" fill="#f97316"/><path d="M11 3h10v4H11z" fill="#fde7d7"/></svg>`;

const PAGES = [
  ['index.html', 'Home'],
  ['category.html', 'Catalogue'],
  ['customer-orders.html', 'My orders'],
];

/** Renders the shared chrome; `onAccountChange` runs after login, registration or logout. */
export function initLayout(current, onAccountChange = () => location.reload()) {
  const header = el('header', { class: 'topbar' });
  const inner = el('div', { class: 'topbar-inner' });
  const brand = el('a', { class: 'brand', href: 'index.html' });
  brand.innerHTML = LOGO;
  brand.append('Sock Shop');
  const nav = el(
    'nav',
    { class: 'nav', 'aria-label': 'Main' },
    PAGES.map(([href, label]) =>
      el('a', { href, 'aria-current': href === current ? 'page' : undefined }, label),
    ),
  );
  const account = el('div', { class: 'account' });
  const basket = el('a', { class: 'basket-link', href: 'basket.html', id: 'basket-badge' }, 'Basket');
  inner.append(brand, nav, account, basket);
  header.append(inner);
  document.body.prepend(header);
  document.body.append(
    el('footer', {}, 'Sock Shop lab storefront · socks for engineers who care about their feet'),
  );

  const dialog = accountDialog(onAccountChange);
  document.body.append(dialog);
  void renderAccount(account, dialog, onAccountChange);
  void refreshBasket();
  return { openLogin: () => dialog.showModal() };
}

async function renderAccount(account, dialog, onAccountChange) {
  account.replaceChildren();
  if (isLoggedIn()) {
    const customer = await currentCustomer();
    const name = customer ? `${customer.firstName} ${customer.lastName}` : 'Signed in';
    const out = el('button', { class: 'secondary', type: 'button', id: 'logout' }, 'Log out');
    out.addEventListener('click', () => {
      logout();
      onAccountChange();
    });
    account.append(el('span', { class: 'who', id: 'who' }, name), out);
  } else {
    const open = el('button', { class: 'secondary', type: 'button', id: 'open-login' }, 'Log in');
    open.addEventListener('click', () => dialog.showModal());
    account.append(open);
  }
}

/** Updates the basket badge: item count and value of the current cart. */
export async function refreshBasket() {
  const badge = document.getElementById('basket-badge');
  if (!badge) return;
  const items = await getCart();
  const count = items.reduce((n, item) => n + (Number(item.quantity) || 0), 0);
  const value = items.reduce(
    (sum, item) => sum + (Number(item.quantity) || 0) * (Number(item.unitPrice) || 0),
    0,
  );
  badge.textContent = count ? `Basket · ${count} · ${money(value)}` : 'Basket';
}

function accountDialog(onAccountChange) {
  const dialog = el('dialog', { id: 'account-dialog', 'aria-label': 'Account' });
  const message = el('div', { 'aria-live': 'polite' });
  const loginForm = el(
    'form',
    { id: 'login-form' },
    el('label', {}, 'Username', el('input', { name: 'username', autocomplete: 'username', required: true })),
    el(
      'label',
      {},
      'Password',
      el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    ),
  );
  const registerForm = el(
    'form',
    { id: 'register-form', hidden: true },
    el('label', {}, 'Username', el('input', { name: 'username', autocomplete: 'username', required: true })),
    el(
      'div',
      { class: 'field-row' },
      el('label', {}, 'First name', el('input', { name: 'firstName', required: true })),
      el('label', {}, 'Last name', el('input', { name: 'lastName', required: true })),
    ),
    el('label', {}, 'Email', el('input', { name: 'email', type: 'email', required: true })),
    el(
      'label',
      {},
      'Password',
      el('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true }),
    ),
  );
  for (const [form, label] of [
    [loginForm, 'Log in'],
    [registerForm, 'Create account'],
  ]) {
    const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    cancel.addEventListener('click', () => dialog.close());
    form.append(el('div', { class: 'actions' }, cancel, el('button', { type: 'submit' }, label)));
  }
  const tabLogin = el('button', { type: 'button', role: 'tab', 'aria-selected': 'true' }, 'Log in');
  const tabRegister = el('button', { type: 'button', role: 'tab', 'aria-selected': 'false' }, 'Register');
  const show = (registering) => {
    loginForm.hidden = registering;
    registerForm.hidden = !registering;
    tabLogin.setAttribute('aria-selected', String(!registering));
    tabRegister.setAttribute('aria-selected', String(registering));
    message.replaceChildren();
  };
  tabLogin.addEventListener('click', () => show(false));
  tabRegister.addEventListener('click', () => show(true));

  const fail = (text) => message.replaceChildren(el('div', { class: 'notice error', role: 'alert' }, text));
  loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(loginForm);
    const res = await login(String(data.get('username')), String(data.get('password')));
    if (res.status !== 200) return fail('Wrong username or password.');
    dialog.close();
    onAccountChange();
  });
  registerForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const res = await register(Object.fromEntries(new FormData(registerForm)));
    if (res.status !== 200) return fail('Registration failed. The username may be taken.');
    dialog.close();
    onAccountChange();
  });
  dialog.append(
    el('div', { class: 'tabs', role: 'tablist' }, tabLogin, tabRegister),
    message,
    loginForm,
    registerForm,
  );
  return dialog;
}
