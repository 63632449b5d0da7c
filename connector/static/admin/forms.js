// What the pages that save the program share (Program and Loyalty): the API's field errors
// beside their fields, the rest listed in one notice, and saving the program's next version.
import { h, setFieldError } from './dom.js';

// Show each error at its path's control, or at the nearest part of the form that has one
// (`place(path)` gives a control made by `field`, a function that shows a text, or nothing);
// the rest go in a notice under `title` in `box`; the first field at fault takes the focus.
export function showFieldErrors(fields, place, { form, box, title, other }) {
  const leftovers = [];
  for (const error of fields) {
    const parts = error.path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
    let placed = false;
    for (let n = parts.length; n > 0 && !placed; n -= 1) {
      const target = place(parts.slice(0, n).join('.'));
      if (!target) continue;
      const text = n === parts.length ? error.message : `${error.path}: ${error.message}`;
      if (typeof target === 'function') target(text);
      else {
        const shown = document.getElementById(target.id + '-error');
        setFieldError(target, shown && !shown.hidden ? `${shown.textContent} ${text}` : text);
      }
      placed = true;
    }
    if (!placed) leftovers.push(error);
  }
  const notice = h('div', { class: 'notice notice-error', role: 'alert' }, h('p', {}, title));
  if (leftovers.length) {
    notice.append(h('p', {}, other), h('ul', {}, leftovers.map((e) => h('li', {}, `${e.path}: ${e.message}`))));
  }
  box.replaceChildren(notice);
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

// Save `body` as the program's next version and show `page` again (`saved(version)` is the
// toast); the API's field errors go to `onFields`, any other failure into `box`.
export async function saveProgram(ctx, body, { page, saved, onFields, box }) {
  try {
    const done = await ctx.api('PUT', '/program', body);
    ctx.saveBar.hide();
    ctx.toast(saved(done.version));
    ctx.navigate(page);
  } catch (error) {
    if (error.fields && error.fields.length) onFields(error.fields);
    else box.replaceChildren(ctx.errorBox(error));
  }
}
