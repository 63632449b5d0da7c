// The merchant's admin pages: one front-end for Shopify's App Home and WooCommerce's WP admin.
// Vanilla ES modules, no build step. Shopify's App Bridge (when its CDN script loaded) only
// enhances the shell: title bar, navigation menu, toasts and the save bar; without it the page
// draws its own and takes the session token from its URL.
import { t, setLocale, getLocale } from './i18n.js';
import { h, clear } from './dom.js';

const config = JSON.parse(document.getElementById('rc-config').textContent);
const PAGES = ['overview', 'dashboard', 'start', 'program', 'loyalty', 'advocates', 'referrals', 'payouts', 'contests',
  'fraud', 'deliveries', 'webhooks', 'notifications', 'settings'];
const KEEP = ['shop', 'host', 'embedded', 'locale'];
const LOCALE_KEY = 'rc-locale';
const TOKEN_KEY = 'rc-token:' + config.shop;

// Storage may be refused to a framed page (third-party storage blocking): then memory only.
const store = {
  get(storage, key) { try { return window[storage].getItem(key); } catch (_) { return null; } },
  set(storage, key, value) { try { window[storage].setItem(key, value); } catch (_) { /* memory only */ } },
};

// --- who we are: the session token (Shopify) or the plugin's signed token (WooCommerce) ---

function bridge() {
  const s = window.shopify;
  return s && typeof s.idToken === 'function' ? s : null;
}

function startingToken() {
  if (config.host === 'woocommerce') {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromHash) {
      store.set('sessionStorage', TOKEN_KEY, fromHash);
      history.replaceState(history.state, '', location.pathname + location.search);
      return fromHash;
    }
    return store.get('sessionStorage', TOKEN_KEY) || '';
  }
  const fromQuery = new URLSearchParams(location.search).get('id_token');
  if (fromQuery) { store.set('sessionStorage', TOKEN_KEY, fromQuery); return fromQuery; }
  return store.get('sessionStorage', TOKEN_KEY) || '';
}
let pageToken = startingToken();

async function token() {
  const ab = config.host === 'shopify' ? bridge() : null;
  if (ab) {
    try { return await ab.idToken(); } catch (_) { /* fall back to the page's own token */ }
  }
  return pageToken;
}

// WooCommerce: the plugin's token lives minutes; the WP admin page around us mints a new one.
function fromOurStore(origin) {
  try { return new URL(origin).host === config.shop.split('/')[0]; } catch (_) { return false; }
}

function freshTokenFromHost() {
  if (config.host !== 'woocommerce' || window.parent === window) return Promise.resolve('');
  return new Promise((resolve) => {
    const done = (value) => { clearTimeout(timer); window.removeEventListener('message', listen); resolve(value); };
    const timer = setTimeout(() => done(''), 5000);
    function listen(event) {
      if (event.source !== window.parent || !fromOurStore(event.origin)) return;
      if (!event.data || event.data.type !== 'refconn:token') return;
      done(typeof event.data.token === 'string' ? event.data.token : '');
    }
    window.addEventListener('message', listen);
    // The message holds no secret; the answer is only taken from the store's own origin.
    window.parent.postMessage({ type: 'refconn:token-expired' }, '*');
  });
}

// --- the API: every answer that is not a success becomes an ApiError in words ---

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body.error === 'string' ? body.error : '';
    super(ApiError.words(status));
    this.status = status;
    this.detail = detail;
    this.fields = (body && Array.isArray(body.fields)) ? body.fields : [];
    this.body = body || {};
  }

  static words(status) {
    if (status === 0) return t('error.network');
    if (status === 401) return t('error.session');
    if (status === 403) return t('error.forbidden');
    if (status === 404) return t('error.notFound');
    if (status === 409) return t('error.conflict');
    if (status === 400 || status === 413 || status === 422) return t('error.invalid');
    if (status === 503) return t('error.unavailable');
    return t('error.server');
  }

  // The sentence a person reads: ours, then the API's own explanation when it gave one.
  get sentence() {
    return this.detail ? `${this.message} ${this.detail}` : this.message;
  }
}

async function request(method, path, body, accept, retried = false) {
  const headers = { Accept: accept || 'application/json' };
  const auth = await token();
  if (auth) headers.Authorization = 'Bearer ' + auth;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(config.api + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit',
    });
  } catch (_) {
    throw new ApiError(0, null);
  }
  if (response.status === 401 && !retried) {
    if (response.headers.get('X-Shopify-Retry-Invalid-Session-Request') && bridge()) {
      return request(method, path, body, accept, true); // App Bridge hands out a fresh token
    }
    const fresh = await freshTokenFromHost();
    if (fresh) {
      pageToken = fresh;
      store.set('sessionStorage', TOKEN_KEY, fresh);
      return request(method, path, body, accept, true);
    }
  }
  return response;
}

export async function api(method, path, body) {
  const response = await request(method, path, body);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A file download through the API (the token is a header, so a plain link cannot carry it).
export async function download(path, filename) {
  const response = await request('GET', path, undefined, 'text/csv');
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    throw new ApiError(response.status, data);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// --- the shell: toasts, confirmation, the save bar, navigation ---

const toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });

export function toast(message, { error = false } = {}) {
  const ab = bridge();
  if (ab && ab.toast && typeof ab.toast.show === 'function') {
    try { ab.toast.show(message, { isError: error }); } catch (_) { /* our own below */ }
  }
  const item = h('p', { class: error ? 'toast toast-error' : 'toast' }, message);
  toastRegion.append(item);
  setTimeout(() => item.remove(), 6000);
}

// Ask before anything that cannot be undone; resolves true when the person confirms.
export function confirmAction({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'rc-confirm-title' });
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const yes = h('button', { type: 'button', class: danger ? 'btn danger' : 'btn primary',
      onclick: () => done(true) }, confirm);
    const no = h('button', { type: 'button', class: 'btn', onclick: () => done(false) },
      t('common.cancel'));
    dialog.append(
      h('h2', { id: 'rc-confirm-title' }, title),
      h('p', {}, body),
      h('div', { class: 'actions' }, no, yes),
    );
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// The contextual save bar: App Bridge's when present, else a bar at the top of the page.
const saveBar = (() => {
  let current = null;
  const save = h('button', { type: 'button', class: 'btn primary' });
  const discard = h('button', { type: 'button', class: 'btn' });
  const label = h('span', {});
  const bar = h('div', { class: 'savebar', role: 'region', hidden: true }, label,
    h('span', { class: 'spacer' }), discard, save);
  let abBar = null;
  save.addEventListener('click', () => current && current.save());
  discard.addEventListener('click', () => current && current.discard());

  // True when the admin shows its own save bar (then ours stays hidden).
  function abShow() {
    const ab = bridge();
    if (!ab || !ab.saveBar) return false;
    if (!abBar) {
      abBar = h('ui-save-bar', { id: 'rc-save-bar' },
        h('button', { variant: 'primary', onclick: () => current && current.save() }, t('common.save')),
        h('button', { onclick: () => current && current.discard() }, t('common.discard')));
      document.body.append(abBar);
    }
    try { ab.saveBar.show('rc-save-bar'); return true; } catch (_) { return false; }
  }

  return {
    show(handlers) {
      current = handlers;
      label.textContent = t('common.unsaved');
      save.textContent = t('common.save');
      discard.textContent = t('common.discard');
      bar.setAttribute('aria-label', t('common.unsaved'));
      bar.hidden = abShow();
    },
    hide() {
      current = null;
      bar.hidden = true;
      const ab = bridge();
      if (ab && ab.saveBar && abBar) { try { ab.saveBar.hide('rc-save-bar'); } catch (_) { /* ok */ } }
    },
    get dirty() { return current !== null; },
    element: bar,
  };
})();
export { saveBar };

function pageFromPath() {
  const rest = location.pathname.slice(config.base.length).replace(/^\/+/, '').split('/')[0];
  return PAGES.includes(rest) ? rest : 'overview';
}

function hrefFor(page) {
  const params = new URLSearchParams(location.search);
  const kept = new URLSearchParams();
  for (const name of KEEP) if (params.has(name)) kept.set(name, params.get(name));
  const query = kept.toString();
  return `${config.base}${page === 'overview' ? '' : '/' + page}${query ? '?' + query : ''}`;
}

export async function navigate(page) {
  if (saveBar.dirty) {
    const leave = await confirmAction({ title: t('common.leaveTitle'), body: t('common.leaveBody'),
      confirm: t('common.leave'), danger: true });
    if (!leave) return;
    saveBar.hide();
  }
  history.pushState({}, '', hrefFor(page));
  render();
}

const root = document.getElementById('app');
const main = h('main', { id: 'rc-main', tabindex: '-1' });
let renderCount = 0;

function navigation(active) {
  const links = PAGES.map((page) => h('a', {
    href: hrefFor(page), 'aria-current': page === active ? 'page' : false,
    onclick: (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      navigate(page);
    },
  }, t('nav.' + page)));
  return h('nav', { class: 'tabs', 'aria-label': t('nav.label') }, ...links);
}

function languagePicker() {
  const select = h('select', { id: 'rc-language', onchange: (event) => {
    const chosen = event.target.value;
    store.set('localStorage', LOCALE_KEY, chosen);
    setLocale(chosen);
    document.documentElement.lang = chosen;
    render();
  } },
  h('option', { value: 'en', selected: getLocale() === 'en' }, 'English'),
  h('option', { value: 'es', selected: getLocale() === 'es' }, 'Español'));
  return h('div', { class: 'language' },
    h('label', { for: 'rc-language' }, t('nav.language')), select);
}

// The admin's menu (App Bridge's ui-nav-menu) in the language chosen here.
function navMenuWords() {
  document.querySelectorAll('ui-nav-menu a').forEach((link) => {
    const page = link.getAttribute('rel') === 'home' ? 'overview' : link.getAttribute('href').split('/').pop();
    if (PAGES.includes(page)) link.textContent = t('nav.' + page);
  });
}

function titleBar(title) {
  const ab = bridge();
  let bar = document.querySelector('ui-title-bar');
  if (ab) {
    if (!bar) { bar = document.createElement('ui-title-bar'); document.body.prepend(bar); }
    bar.setAttribute('title', title);
  }
}

const modules = {};
async function pageModule(name) {
  if (!modules[name]) modules[name] = (await import(`./pages/${name}.js`)).default;
  return modules[name];
}

export const ctx = { api, download, toast, confirmAction, navigate, saveBar, config, hrefFor };

async function render() {
  const page = pageFromPath();
  const mine = ++renderCount;
  const title = t('nav.' + page);
  document.title = `${title} · ${config.appName}`;
  titleBar(title);
  navMenuWords();
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'app-name' }, config.appName),
      h('span', { class: 'shop' }, config.shop)),
    languagePicker());
  const embeddedNav = config.host === 'shopify' && bridge();
  clear(root);
  root.append(header);
  if (!embeddedNav) root.append(navigation(page));
  clear(main);
  main.append(h('h1', {}, title));
  const body = h('div', { class: 'page', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  main.append(body);
  root.append(main, saveBar.element, toastRegion);
  root.removeAttribute('aria-busy');
  try {
    const module = await pageModule(page);
    if (mine !== renderCount) return;
    const content = h('div', { class: 'page' });
    await module.render(content, ctx);
    if (mine !== renderCount) return;
    body.replaceWith(content);
  } catch (error) {
    if (mine !== renderCount) return;
    body.replaceWith(errorBox(error));
  }
}

// An error as a person reads it, with what to do.
export function errorBox(error) {
  const sentence = error instanceof ApiError ? error.sentence : t('error.script');
  const box = h('div', { class: 'notice notice-error', role: 'alert' }, h('p', {}, sentence));
  if (error instanceof ApiError && error.status === 401) {
    box.append(h('button', { type: 'button', class: 'btn', onclick: () => location.reload() },
      t('error.reload')));
  }
  if (!(error instanceof ApiError)) console.error(error); // eslint-disable-line no-console
  return box;
}
ctx.errorBox = errorBox;

function boot() {
  const stored = store.get('localStorage', LOCALE_KEY);
  setLocale(stored || config.locale);
  document.documentElement.lang = getLocale();
  window.addEventListener('popstate', render);
  // App Bridge's navigation menu asks the app to go somewhere.
  document.addEventListener('shopify:navigate', (event) => {
    const href = event.target && event.target.getAttribute && event.target.getAttribute('href');
    if (href) { history.pushState({}, '', href); render(); }
  });
  window.addEventListener('beforeunload', (event) => {
    if (saveBar.dirty) { event.preventDefault(); event.returnValue = ''; }
  });
  render();
}

boot();
