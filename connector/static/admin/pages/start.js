// Get started: choose a program, switch the widget on, try an order. Three steps, a few minutes.
import { words } from '../i18n.js';
import { h, button, busy } from '../dom.js';
import { plainSentence, example, simulator, presetTitle } from '../program-words.js';

const w = words({
  en: {
    intro: 'Three steps and your referral program is live.',
    'step1.title': 'Choose a program', 'step1.legend': 'Programs to start from',
    'step1.use': 'Use this program', 'step1.done': 'Your program “{name}” is live (version {version}).',
    'step1.hint': 'You can change every detail later on the Program page.',
    'step1.saved': 'Program saved: version {version}.',
    'step2.title': 'Show the widget in your store',
    'step2.shopify': 'Turn on the “Referral widget” app embed in your theme, then click Save in the theme editor.',
    'step2.link': 'Open the theme editor',
    'step2.woocommerce': 'The widget appears by itself on every page of your store as a “Refer & earn” button at the bottom right, as soon as the plugin is connected. Signed-in customers see their own link.',
    'step3.title': 'Try an order',
    'step3.body': 'See what a friend’s order would earn before anyone buys. Nothing is created in your store.',
    'step3.advocate': 'Use the code of a test advocate:', 'step3.enrol': 'Create a test advocate',
    'step3.enrolled': 'Test advocate created with code {code}.', 'step3.email': 'test-advocate@example.com',
  },
  es: {
    intro: 'Tres pasos y tu programa de referidos estará en marcha.',
    'step1.title': 'Elige un programa', 'step1.legend': 'Programas para empezar',
    'step1.use': 'Usar este programa', 'step1.done': 'Tu programa «{name}» está activo (versión {version}).',
    'step1.hint': 'Puedes cambiar cada detalle más tarde en la página Programa.',
    'step1.saved': 'Programa guardado: versión {version}.',
    'step2.title': 'Muestra el widget en tu tienda',
    'step2.shopify': 'Activa la inserción de aplicación «Referral widget» en tu tema y pulsa Guardar en el editor de temas.',
    'step2.link': 'Abrir el editor de temas',
    'step2.woocommerce': 'El widget aparece solo en todas las páginas de tu tienda como un botón «Invita y gana» abajo a la derecha en cuanto el plugin está conectado. Los clientes con sesión ven su propio enlace.',
    'step3.title': 'Prueba un pedido',
    'step3.body': 'Mira lo que ganaría el pedido de un amigo antes de que nadie compre. No se crea nada en tu tienda.',
    'step3.advocate': 'Usa el código de un embajador de prueba:', 'step3.enrol': 'Crear un embajador de prueba',
    'step3.enrolled': 'Embajador de prueba creado con el código {code}.', 'step3.email': 'test-advocate@example.com',
  },
});

export default {
  async render(root, ctx) {
    const [live, presets, advocates] = await Promise.all([
      ctx.api('GET', '/program'), ctx.api('GET', '/program/presets'),
      ctx.api('GET', '/advocates?limit=1'),
    ]);
    const currency = live.config.currency;
    const status = h('p', { class: 'notice notice-ok', hidden: live.default },
      w('step1.done', { name: live.config.name, version: live.version }));
    const step1 = h('li', { class: live.default ? '' : 'done' });
    const options = presets.presets.map((preset, index) => {
      const config = { ...preset.config, currency };
      const id = `preset-${preset.type}`;
      const radio = h('input', { type: 'radio', name: 'preset', id, value: preset.type,
        checked: live.default ? index === 0 : live.config.name === presetTitle(preset.type, preset.name) });
      return h('label', { class: 'card preset', for: id }, radio,
        h('span', {}, h('span', { class: 'preset-name' }, presetTitle(preset.type, preset.name)),
          h('span', { class: 'preset-plain' }, plainSentence(preset.type, config)),
          h('span', { class: 'preset-example' }, example(config))));
    });
    if (!options.some((o) => o.querySelector('input').checked)) options[0].querySelector('input').checked = true;
    const use = button(w('step1.use'), null, { primary: true, type: 'submit' });
    const error = h('div', {});
    const form = h('form', {}, h('fieldset', { class: 'presets' }, h('legend', {}, w('step1.legend')),
      h('div', { class: 'grid' }, options)), h('p', { class: 'hint' }, w('step1.hint')), error,
    h('div', { class: 'actions' }, use));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[name=preset]:checked').value;
      const preset = presets.presets.find((p) => p.type === chosen);
      error.replaceChildren();
      const config = { ...preset.config, currency, name: presetTitle(preset.type, preset.name) };
      const saved = await busy(use, () => ctx.api('PUT', '/program', config),
        (e) => error.replaceChildren(ctx.errorBox(e)));
      if (!saved) return;
      ctx.toast(w('step1.saved', { version: saved.version }));
      status.textContent = w('step1.done', { name: saved.config.name, version: saved.version });
      status.hidden = false;
      step1.className = 'done';
    });
    step1.append(h('section', { class: 'card', 'aria-labelledby': 'start-1' },
      h('h2', { id: 'start-1' }, w('step1.title')), status, form));

    const widget = ctx.config.host === 'shopify'
      ? [h('p', {}, w('step2.shopify')),
        h('p', {}, h('a', { class: 'btn primary', href: ctx.config.themeEditor, target: '_top', rel: 'noopener' }, w('step2.link')))]
      : [h('p', {}, w('step2.woocommerce'))];
    const step2 = h('li', {}, h('section', { class: 'card', 'aria-labelledby': 'start-2' },
      h('h2', { id: 'start-2' }, w('step2.title')), widget));

    const first = advocates.advocates[0];
    const sim = simulator(ctx, { currency: () => currency, code: first ? first.friend_code : '', idPrefix: 'start' });
    const testAdvocate = h('div', { class: 'row' });
    if (!first) {
      const enrol = button(w('step3.enrol'), async () => {
        const made = await busy(enrol, () => ctx.api('POST', '/advocates', { email: w('step3.email'), name: 'Test' }),
          (e) => testAdvocate.append(ctx.errorBox(e)));
        if (!made) return;
        sim.setCode(made.advocate.friend_code);
        testAdvocate.replaceChildren(h('p', { class: 'notice notice-ok' },
          w('step3.enrolled', { code: made.advocate.friend_code })));
      });
      testAdvocate.append(enrol);
    }
    const step3 = h('li', {}, h('section', { class: 'card', 'aria-labelledby': 'start-3' },
      h('h2', { id: 'start-3' }, w('step3.title')), h('p', {}, w('step3.body')), testAdvocate, sim.form));

    root.append(h('p', {}, w('intro')), h('ol', { class: 'steps' }, step1, step2, step3));
  },
};
