// Contests: the live program's contest, its leaderboard and its prizes.
import { words, number, day, when } from '../i18n.js';
import { h, empty, table, button } from '../dom.js';
import { describeReward } from '../program-words.js';

const w = words({
  en: {
    none: 'Your program has no contest.', noneNext: 'Choose the contest program on Get started, or add a contest on the Program page.',
    start: 'Get started', window: '{from} to {to}', leaderboard: 'Leaderboard', prizes: 'Prizes',
    rank: 'Rank', advocate: 'Advocate', referrals: 'Qualified referrals', reached: 'Reached at',
    prize: 'Prize', place: '#{n}', noStandings: 'No qualified referral yet.', noStandingsNext: 'Standings appear as friends buy during the contest.',
    noPrizes: 'No prizes set.', topN: 'The top {n} win.', refresh: 'Refresh',
  },
  es: {
    none: 'Tu programa no tiene concurso.', noneNext: 'Elige el programa de concurso en Primeros pasos o añade un concurso en la página Programa.',
    start: 'Primeros pasos', window: 'Del {from} al {to}', leaderboard: 'Clasificación', prizes: 'Premios',
    rank: 'Puesto', advocate: 'Embajador', referrals: 'Referidos válidos', reached: 'Alcanzado el',
    prize: 'Premio', place: 'n.º {n}', noStandings: 'Aún no hay referidos válidos.', noStandingsNext: 'La clasificación aparece cuando los amigos compran durante el concurso.',
    noPrizes: 'No hay premios definidos.', topN: 'Ganan los {n} primeros.', refresh: 'Actualizar',
  },
});

export default {
  async render(root, ctx) {
    const live = await ctx.api('GET', '/program');
    const contest = live.config.contest;
    if (!contest) {
      root.append(h('section', { class: 'card' }, empty(w('none'), w('noneNext'),
        button(w('start'), () => ctx.navigate('start'), { primary: true }))));
      return;
    }
    const board = await ctx.api('GET', `/contests/${encodeURIComponent(contest.contest_id)}/leaderboard`);
    const names = new Map();
    const standings = board.standings;
    await Promise.all(standings.map(async (s) => {
      try { names.set(s.advocate_id, (await ctx.api('GET', `/advocates/${s.advocate_id}`)).advocate); } catch (_) { /* id shown */ }
    }));
    const rows = standings.map((s) => {
      const a = names.get(s.advocate_id);
      return h('tr', {}, h('td', { class: 'num' }, number(s.rank)), h('td', {}, a ? `${a.name || a.email || a.friend_code}` : `#${s.advocate_id}`),
        h('td', { class: 'num' }, number(s.referrals)), h('td', {}, when(s.reached_at)));
    });
    const prizes = (contest.prizes || []).map((p, i) => h('li', {}, `${w('place', { n: i + 1 })}: ${describeReward(p, live.config.currency)}`));
    root.append(
      h('section', { class: 'card' }, h('h2', {}, board.contest.name),
        h('p', {}, w('window', { from: day(board.contest.starts_at), to: day(board.contest.ends_at) }), ' · ', w('topN', { n: board.contest.top_n }))),
      h('div', { class: 'columns' },
        h('section', { class: 'card' }, h('h2', {}, w('leaderboard')),
          rows.length ? table(w('leaderboard'), [w('rank'), w('advocate'), w('referrals'), w('reached')], rows)
            : empty(w('noStandings'), w('noStandingsNext'))),
        h('section', { class: 'card' }, h('h2', {}, w('prizes')),
          prizes.length ? h('ol', { class: 'lines prizes' }, prizes) : h('p', {}, w('noPrizes')))),
      h('div', { class: 'actions' }, button(w('refresh'), () => ctx.navigate('contests'))));
  },
};
