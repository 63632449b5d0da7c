// Building the page from data without ever parsing data as HTML.

// h('a', {href, onclick}, 'text', child...): attributes false/null/undefined are left out.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in node) {
      node.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'hidden') {
      node[name] = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled field: the label, the control, a hint and the place its error is shown.
export function field(label, control, { hint, error, wide } = {}) {
  const id = control.id || uid('f');
  control.id = id;
  const errorId = id + '-error';
  const hintId = hint ? id + '-hint' : null;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const message = h('p', { class: 'field-error', id: errorId, hidden: !error }, error || '');
  if (error) control.setAttribute('aria-invalid', 'true');
  return h('div', { class: wide ? 'field wide' : 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    message);
}

// Show (or clear) the error beside a field made by `field`.
export function setFieldError(control, message) {
  const box = document.getElementById(control.id + '-error');
  if (!box) return;
  box.textContent = message || '';
  box.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

// An empty state: what is not here yet, and what to do next.
export function empty(title, next, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title),
    h('p', {}, next), action || null);
}

export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows)));
}

export function button(label, onclick, { primary = false, danger = false, type = 'button', ...rest } = {}) {
  const cls = ['btn', primary ? 'primary' : '', danger ? 'danger' : ''].filter(Boolean).join(' ');
  return h('button', { type, class: cls, onclick, ...rest }, label);
}

// Run an action with its button disabled; shows the error in words, returns the result or null.
export async function busy(control, action, onError) {
  control.disabled = true;
  control.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } catch (error) {
    if (onError) onError(error);
    return null;
  } finally {
    control.disabled = false;
    control.removeAttribute('aria-busy');
  }
}
