import { isLoggedIn } from '../api.js';
import { initLayout } from '../layout.js';

const layout = initLayout('login.html', () => location.assign('index.html'));
document.getElementById('login-start').addEventListener('click', () => layout.openLogin());
if (isLoggedIn()) location.replace('index.html');
else layout.openLogin();
