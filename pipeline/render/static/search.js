// Search in the seminar archive: titles, speakers, descriptions and transcripts (pipeline/render/search.py).
// Progressive enhancement: without this script the archive page is complete; with it, a search form appears
// under the lead paragraph and lists the matching seminars, with a short snippet, as the visitor types.
// Loaded only by the archive page (its CSP: script-src 'self'); no inline code, no eval, nothing from elsewhere.
(function () {
  'use strict';

  var script = document.currentScript;
  var lead = document.querySelector('main .lead');
  if (!script || !lead || !window.fetch) return;
  var indexUrl = new URL('search.json', script.src).href;
  var loading = null;
  var CONTEXT = 70; // characters of the snippet before and after the first hit

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function fold(text) { return text.toLocaleLowerCase('nb'); }

  function load() {
    if (!loading) {
      loading = fetch(indexUrl, { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error(r.status + ' ' + indexUrl); return r.json(); })
        .then(function (data) {
          return data.seminars.map(function (s) {
            s.fields = [s.title, s.speakers.join(', '), s.description, s.transcript];
            s.folded = s.fields.map(fold);
            return s;
          });
        });
    }
    return loading;
  }

  // The text around the first hit, the query's words marked.
  function snippet(text, words) {
    var folded = fold(text);
    var at = folded.indexOf(words[0]);
    var start = Math.max(0, at - CONTEXT);
    var end = Math.min(text.length, at + words[0].length + CONTEXT);
    if (start > 0) start = text.indexOf(' ', start) + 1 || start;
    if (end < text.length) end = text.lastIndexOf(' ', end) > at ? text.lastIndexOf(' ', end) : end;
    var part = text.slice(start, end);
    var p = el('p', { 'class': 'snippet' });
    if (start > 0) p.appendChild(document.createTextNode('… '));
    var pattern = new RegExp('(' + words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }).join('|') + ')', 'gi');
    part.split(pattern).forEach(function (piece, i) {
      p.appendChild(i % 2 ? el('mark', {}, piece) : document.createTextNode(piece));
    });
    if (end < text.length) p.appendChild(document.createTextNode(' …'));
    return p;
  }

  function matches(seminars, words) {
    var found = [];
    seminars.forEach(function (s) {
      var all = s.folded.join('\n');
      if (!words.every(function (w) { return all.indexOf(w) >= 0; })) return;
      var inTitle = words.filter(function (w) { return s.folded[0].indexOf(w) >= 0; }).length;
      // The snippet comes from where the first word is found, the description before the transcript.
      var field = [2, 3, 1, 0].filter(function (i) { return s.folded[i].indexOf(words[0]) >= 0; })[0];
      found.push({ seminar: s, rank: inTitle, field: field === undefined ? 0 : field });
    });
    return found.sort(function (a, b) { return b.rank - a.rank; }); // stable: newest first otherwise
  }

  function show(found, words, query, status, list) {
    list.textContent = '';
    found.forEach(function (hit) {
      var s = hit.seminar;
      var li = el('li', { 'class': 'search-hit' });
      var title = el('p', { 'class': 'search-title' });
      title.appendChild(el('a', { href: s.url }, s.title));
      li.appendChild(title);
      li.appendChild(el('p', { 'class': 'when' }, new Date(s.date + 'T12:00:00').toLocaleDateString('nb-NO',
        { day: 'numeric', month: 'long', year: 'numeric' })));
      if (hit.field > 0) li.appendChild(snippet(s.fields[hit.field], words));
      list.appendChild(li);
    });
    status.textContent = found.length
      ? (found.length === 1 ? 'Ett opptak' : found.length + ' opptak') + ' passer til «' + query + '».'
      : 'Ingen opptak passer til «' + query + '».';
  }

  function build() {
    var form = el('form', { role: 'search', 'class': 'search', 'aria-label': 'Søk i opptakene' });
    var label = el('label', { 'for': 'sok' }, 'Søk i opptakene');
    var input = el('input', { id: 'sok', type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'sok-hjelp', 'aria-controls': 'sok-treff' });
    var help = el('p', { id: 'sok-hjelp', 'class': 'hint' },
      'Søker i titler, innledere, beskrivelser og transkripsjoner mens du skriver.');
    var status = el('p', { 'class': 'search-status', role: 'status' });
    var list = el('ul', { id: 'sok-treff', 'class': 'search-hits' });
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(help);
    form.appendChild(status);
    form.appendChild(list);
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    input.addEventListener('focus', load, { once: true });
    var latest = 0;
    input.addEventListener('input', function () {
      var query = input.value.trim();
      var words = fold(query).split(/\s+/).filter(Boolean);
      var turn = ++latest;
      if (query.length < 2) { list.textContent = ''; status.textContent = ''; return; }
      load().then(function (seminars) {
        if (turn === latest) show(matches(seminars, words), words, query, status, list);
      }, function () {
        status.textContent = 'Søket er ikke tilgjengelig akkurat nå.';
      });
    });
    lead.insertAdjacentElement('afterend', form);
  }

  build();
}());
