// The policy playground: plain JavaScript, no dependencies, no build step. Every request goes
// to this page's own server (relative URLs); the page's whole state lives in its URL fragment.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  // Must match --code-line and --code-pad in style.css.
  const LINE = 20;
  const PAD = 8;
  const MAX_MARKED_LINES = 20;

  const policy = $('policy');
  const EXAMPLE = policy.defaultValue;

  let vocabulary = null; // from the last policy that compiled
  let goodPolicy = null; // the last policy text that compiled
  let pendingCase = null; // a case (from a link) waiting for the form to have its choices
  let pendingView = null;
  const seq = { check: 0, decide: 0, table: 0, manual: 0 };

  // ---- Work in flight, for people (the status lines) and tests (data-pending). ----
  let pending = 0;
  function busy(delta) {
    pending += delta;
    document.body.dataset.pending = String(pending);
  }

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      if (timer === null) busy(1);
      else clearTimeout(timer);
      timer = setTimeout(async () => {
        timer = null;
        try {
          await fn();
        } catch (e) {
          console.error(e);
        } finally {
          busy(-1);
        }
      }, ms);
    };
  }

  async function post(path, body) {
    try {
      const res = await fetch('playground/api/' + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      let data = null;
      try {
        data = await res.json();
      } catch (e) {
        data = null;
      }
      return { status: res.status, ok: res.ok, data };
    } catch (e) {
      return { status: 0, ok: false, data: { error: 'the server could not be reached' } };
    }
  }

  // Elements from text only: nothing from a policy is ever parsed as HTML here.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? '' : value);
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setStatus(node, text, kind) {
    node.textContent = text;
    node.classList.toggle('bad', kind === 'bad');
    node.classList.toggle('ok', kind === 'ok');
  }

  // ---- 1. The editor: line numbers, marked lines, scrolling together. ----
  const numbers = $('gutter-numbers');
  const gutterMarks = $('gutter-marks');
  const codeMarks = $('code-marks');
  let gutterLines = 0;

  function renderGutter() {
    let lines = 1;
    const text = policy.value;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines += 1;
    if (lines === gutterLines) return;
    gutterLines = lines;
    const out = new Array(lines);
    for (let i = 0; i < lines; i += 1) out[i] = String(i + 1);
    numbers.textContent = out.join('\n');
  }

  function syncScroll() {
    const y = `translateY(${-policy.scrollTop}px)`;
    numbers.style.transform = y;
    gutterMarks.style.transform = y;
    codeMarks.style.transform = y;
  }

  function renderMarks(diagnostics) {
    gutterMarks.replaceChildren();
    codeMarks.replaceChildren();
    const seen = new Map();
    for (const d of diagnostics) {
      if (!d.line) continue;
      const last = Math.min(d.end_line || d.line, d.line + MAX_MARKED_LINES - 1);
      for (let line = d.line; line <= last; line += 1) {
        if (seen.get(line) === 'error') continue;
        seen.set(line, d.severity);
      }
    }
    for (const [line, severity] of seen) {
      const top = `${PAD + (line - 1) * LINE}px`;
      for (const layer of [gutterMarks, codeMarks]) {
        const mark = el('div', { class: `mark ${severity}`, 'data-line': line });
        mark.style.top = top;
        layer.append(mark);
      }
    }
  }

  function offsetOf(line, column) {
    const text = policy.value;
    let offset = 0;
    for (let l = 1; l < line; l += 1) {
      const next = text.indexOf('\n', offset);
      if (next === -1) return text.length;
      offset = next + 1;
    }
    const end = text.indexOf('\n', offset);
    const lineEnd = end === -1 ? text.length : end;
    // Columns count characters; step over surrogate pairs.
    let at = offset;
    for (let c = 1; c < column && at < lineEnd; c += 1) {
      const code = text.charCodeAt(at);
      at += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    }
    return at;
  }

  function jumpTo(line, column) {
    const at = offsetOf(line, column || 1);
    policy.focus();
    policy.setSelectionRange(at, at);
    policy.scrollTop = Math.max(0, (line - 1) * LINE - policy.clientHeight / 3);
    syncScroll();
    showCursor();
  }

  function showCursor() {
    const before = policy.value.slice(0, policy.selectionStart);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    $('cursor-position').textContent = `Line ${line}, column ${column}`;
  }

  // ---- Check. ----
  const checkSummary = $('check-summary');

  function renderDiagnostics(diagnostics, omitted) {
    const list = $('diagnostics');
    list.replaceChildren();
    for (const d of diagnostics) {
      const where = d.line
        ? el(
            'button',
            {
              type: 'button',
              class: 'diag-where',
              'aria-label': `Go to line ${d.line}, column ${d.column} in the policy`,
              onclick: () => jumpTo(d.line, d.column),
            },
            `Line ${d.line}, column ${d.column}`,
          )
        : el('span', { class: 'diag-where-none' }, `At ${d.path || 'the policy'}`);
      list.append(
        el(
          'li',
          { class: d.severity, 'data-code': d.code, 'data-line': d.line || '' },
          el('div', null, where, ' ', el('span', { class: `severity ${d.severity}` }, d.severity), ' ',
            el('span', { class: 'diag-code' }, `[${d.code}]`)),
          el('p', { class: 'message' }, d.message),
          d.path && d.line ? el('p', { class: 'note' }, d.path) : null,
          d.hint ? el('p', { class: 'hint' }, d.hint) : null,
          d.matched ? el('p', { class: 'matched' }, `Matched: ${d.matched}`) : null,
          d.counterexample
            ? el('div', null, el('p', { class: 'note' }, 'Counterexample:'),
                el('pre', { class: 'counterexample' }, d.counterexample))
            : null,
        ),
      );
    }
    if (omitted > 0) list.append(el('li', { class: 'note' }, `…and ${omitted} more.`));
    renderMarks(diagnostics);
  }

  async function runCheck() {
    const id = ++seq.check;
    const text = policy.value;
    setStatus(checkSummary, 'Checking…');
    const r = await post('check', { policy: text });
    if (id !== seq.check) return;
    if (!r.ok || !r.data) {
      setStatus(checkSummary, (r.data && r.data.error) || `The check failed (${r.status}).`, 'bad');
      return;
    }
    const c = r.data;
    renderDiagnostics(c.diagnostics, c.omitted);
    const counts = `${c.errors} error${c.errors === 1 ? '' : 's'}, ${c.warnings} warning${c.warnings === 1 ? '' : 's'}`;
    policy.setAttribute('aria-invalid', c.errors > 0 ? 'true' : 'false');
    if (!c.compiles) {
      setStatus(checkSummary, `${counts}: the policy does not compile. The decision, table and manual show the last policy that did.`, 'bad');
      return;
    }
    setStatus(
      checkSummary,
      `${counts} (${c.circumstances} circumstances checked).`,
      c.errors > 0 ? 'bad' : 'ok',
    );
    goodPolicy = text;
    applyVocabulary(c.vocabulary);
    scheduleDecide();
    if ($('table-details').open) scheduleTable();
    if ($('manual-details').open) scheduleManual();
  }
  const scheduleCheck = debounce(runCheck, 300);

  // ---- 2. The case: the form's choices come from the policy. ----
  function fillSelect(select, groups, all) {
    const previous = select.value;
    select.replaceChildren();
    if (all) select.append(el('option', { value: '' }, all));
    for (const [label, items] of groups) {
      const parent = label ? el('optgroup', { label }) : select;
      for (const item of items) {
        const [value, text] = Array.isArray(item) ? item : [item, item];
        parent.append(el('option', { value }, text));
      }
      if (label) select.append(parent);
    }
    if ([...select.options].some((o) => o.value === previous)) select.value = previous;
  }

  function applyVocabulary(v) {
    vocabulary = v;
    fillSelect($('channel'), [[null, v.channels]]);
    fillSelect($('topic'), [[null, v.topics]]);
    fillSelect($('progress'), [[null, v.progress]]);
    fillSelect($('locale'), [[null, v.locales.map((l, i) => [l, i === 0 ? `${l} (default)` : l])]]);
    fillSelect($('system'), [[null, v.systems]]);
    fillSelect($('role'), [[null, v.roles]]);

    const facts = readFacts();
    const box = $('facts');
    box.replaceChildren();
    v.facts.forEach((fact, i) => {
      const id = `fact-${i}`;
      const select = el('select', { id, 'data-fact': fact.name },
        el('option', { value: '' }, '(not set)'),
        fact.values.map((value) => el('option', { value }, value)));
      if (fact.values.includes(facts[fact.name])) select.value = facts[fact.name];
      box.append(el('div', { class: 'field' }, el('label', { for: id }, fact.name), select));
    });
    $('facts-fieldset').hidden = v.facts.length === 0;

    const values = readValues();
    const valueBox = $('values');
    valueBox.replaceChildren();
    v.placeholders.forEach((name, i) => {
      const id = `value-${i}`;
      valueBox.append(el('div', { class: 'field' }, el('label', { for: id }, `{${name}}`),
        el('input', { id, type: 'text', 'data-placeholder': name, value: values[name] || '' })));
    });
    $('values-fieldset').hidden = v.placeholders.length === 0;

    fillSelect($('filter-topic'), [[null, v.topics]], 'All topics');
    fillSelect($('filter-responder'), [['Staff roles', v.roles], ['Systems', v.systems]], 'All roles and systems');
    fillSelect($('filter-outcome'), [[null, v.outcomes]], 'All outcomes');
    fillSelect($('manual-department'), [[null, v.departments]], 'All departments');
    fillSelect($('manual-locale'), [[null, v.locales]]);

    if (pendingCase) {
      writeCase(pendingCase);
      pendingCase = null;
    }
    if (pendingView) {
      writeView(pendingView);
      pendingView = null;
    }
    showChoices();
  }

  function readFacts() {
    const facts = {};
    for (const select of document.querySelectorAll('#facts select')) {
      if (select.value) facts[select.dataset.fact] = select.value;
    }
    return facts;
  }

  function readValues() {
    const values = {};
    for (const input of document.querySelectorAll('#values input')) {
      if (input.value) values[input.dataset.placeholder] = input.value;
    }
    return values;
  }

  function readCase() {
    return {
      customer: $('customer').value,
      channel: $('channel').value,
      about: $('about-text').checked ? 'text' : 'topic',
      topic: $('topic').value,
      text: $('text').value,
      progress: $('progress').value,
      locale: $('locale').value,
      facts: readFacts(),
      values: readValues(),
      superior: $('superior').checked,
      responder: $('responder-staff').checked ? 'staff' : 'system',
      system: $('system').value,
      role: $('role').value,
    };
  }

  function setSelect(select, value) {
    if (typeof value !== 'string') return;
    if (![...select.options].some((o) => o.value === value)) {
      select.append(el('option', { value }, `${value} (not in the policy)`));
    }
    select.value = value;
  }

  function writeCase(c) {
    if (typeof c.customer === 'string') $('customer').value = c.customer;
    setSelect($('channel'), c.channel);
    $('about-text').checked = c.about === 'text';
    $('about-topic').checked = c.about !== 'text';
    setSelect($('topic'), c.topic);
    if (typeof c.text === 'string') $('text').value = c.text;
    setSelect($('progress'), c.progress);
    setSelect($('locale'), c.locale);
    for (const select of document.querySelectorAll('#facts select')) {
      const value = (c.facts || {})[select.dataset.fact];
      select.value = [...select.options].some((o) => o.value === value) ? value : '';
    }
    for (const input of document.querySelectorAll('#values input')) {
      input.value = (c.values || {})[input.dataset.placeholder] || '';
    }
    $('superior').checked = !!c.superior;
    $('responder-staff').checked = c.responder === 'staff';
    $('responder-system').checked = c.responder !== 'staff';
    setSelect($('system'), c.system);
    setSelect($('role'), c.role);
    showChoices();
  }

  function showChoices() {
    const text = $('about-text').checked;
    $('topic-field').hidden = text;
    $('text-field').hidden = !text;
    const staff = $('responder-staff').checked;
    $('system-field').hidden = staff;
    $('role-field').hidden = !staff;
  }

  function contactOf(c) {
    const contact = { customer: c.customer, channel: c.channel || 'web', progress: c.progress || 'fresh' };
    if (c.about === 'text') contact.text = c.text;
    else contact.topic = c.topic;
    if (c.locale) contact.locale = c.locale;
    if (Object.keys(c.facts).length) contact.facts = c.facts;
    if (c.superior) contact.asks_for_superior = true;
    return contact;
  }

  // ---- The decision. ----
  function row(list, term, ...value) {
    list.append(el('dt', null, term), el('dd', null, ...value));
  }

  function highlighted(text, matches) {
    const spans = matches
      .map((m) => [m.start, m.end])
      .sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged = [];
    for (const [start, end] of spans) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    const out = [];
    let at = 0;
    for (const [start, end] of merged) {
      if (start > at) out.push(text.slice(at, start));
      out.push(el('mark', null, text.slice(start, end)));
      at = end;
    }
    if (at < text.length) out.push(text.slice(at));
    return out;
  }

  function renderDecision(data, c) {
    const d = data.decision;
    const list = $('decision');
    list.replaceChildren();
    row(list, 'Outcome', el('span', { class: 'outcome', id: 'outcome', 'data-outcome': d.outcome }, d.outcome));
    row(list, 'Topic', el('code', null, d.topic));
    row(list, 'Message', el('code', null, d.message.id), ` v${d.message.version} (${d.message.locale})`);
    if (d.system) {
      row(list, 'System', `${d.system.name} (`, el('code', null, d.system.id), `, ${d.system.tier})`,
        d.system.where ? ` — ${d.system.where}` : '');
    }
    if (d.department) row(list, 'Department', el('code', { id: 'department' }, d.department));
    if (d.rank) row(list, 'Rank', el('code', null, d.rank));
    if (d.authority) row(list, 'Authority', d.authority);
    if (d.rule) row(list, 'Rule', el('code', null, d.rule));
    if (d.review_within) row(list, 'Review within', d.review_within);
    const flags = Object.entries(d.flags || {}).filter(([, on]) => on).map(([name]) => name);
    row(list, 'Flags', flags.length ? flags.join(', ') : 'none');
    if (d.missing_values && d.missing_values.length) {
      row(list, 'Missing values', d.missing_values.join(', '));
    }
    const quote = $('decision-text');
    quote.replaceChildren(el('p', { id: 'decision-message' }, d.message.text));
    if (d.previous) quote.append(el('p', { class: 'note' }, d.previous.notice));

    const steps = $('steps');
    steps.replaceChildren(...data.steps.map((s) => el('li', null, s.text)));

    const triage = data.triage;
    $('triage').hidden = !triage;
    if (triage) {
      const chosen = triage.candidates.find((k) => k.topic === triage.topic) || triage.candidates[0];
      $('triaged-text').replaceChildren(...highlighted(c.text, chosen ? chosen.matches : []));
      const list2 = $('candidates');
      list2.replaceChildren();
      if (!triage.candidates.length) list2.append(el('li', null, `No keyword matched: the fallback topic ${triage.topic}.`));
      for (const k of triage.candidates) {
        const words = [];
        const seen = new Set();
        for (const m of k.matches) {
          if (seen.has(m.text)) continue;
          seen.add(m.text);
          if (words.length) words.push(', ');
          words.push(el('mark', { title: m.pattern }, m.text));
        }
        list2.append(el('li', { class: k.topic === triage.topic ? 'chosen' : null, 'data-topic': k.topic },
          el('code', null, k.topic), ` — score ${k.score}, share ${k.share.toFixed(2)}: `, ...words,
          k.topic === triage.topic ? ` (chosen, confidence ${triage.confidence.toFixed(2)})` : ''));
      }
      if (triage.truncated) list2.append(el('li', { class: 'note' }, 'The text was cut: only its beginning was read.'));
    }
  }

  async function runDecide() {
    if (goodPolicy === null) return;
    const id = ++seq.decide;
    const c = readCase();
    const responder = c.responder === 'staff' ? { staff: c.role } : { system: c.system };
    setStatus($('result-status'), 'Deciding…');
    const r = await post('decide', { policy: goodPolicy, contact: contactOf(c), responder, values: c.values });
    if (id !== seq.decide) return;
    if (!r.ok || !r.data) {
      setStatus($('result-status'), (r.data && r.data.error) || `No decision (${r.status}).`, 'bad');
      return;
    }
    setStatus($('result-status'), goodPolicy === policy.value ? '' : 'From the last policy that compiled.');
    renderDecision(r.data, c);
  }
  const scheduleDecide = debounce(runDecide, 150);

  // ---- 3. The decision table and the manual. ----
  function responderText(r) {
    if (r.staff !== undefined) return `staff: ${r.staff}`;
    if (r.system !== undefined) return `system: ${r.system}`;
    return JSON.stringify(r);
  }

  async function runTable() {
    if (goodPolicy === null || !$('table-details').open) return;
    const id = ++seq.table;
    setStatus($('table-status'), 'Deciding every circumstance…');
    const r = await post('table', {
      policy: goodPolicy,
      topic: $('filter-topic').value,
      responder: $('filter-responder').value,
      outcome: $('filter-outcome').value,
    });
    if (id !== seq.table) return;
    if (!r.ok || !r.data) {
      setStatus($('table-status'), (r.data && r.data.error) || `No table (${r.status}).`, 'bad');
      return;
    }
    const t = r.data;
    const body = $('table-body');
    body.replaceChildren(...t.rows.map((x) => el('tr', null,
      el('td', null, el('code', null, x.topic)),
      el('td', null, x.progress),
      el('td', null, responderText(x.responder)),
      el('td', null, x.channels && x.channels.length ? x.channels.join(', ') : 'all'),
      el('td', null, Object.entries(x.facts || {}).map(([k, v]) => `${k}=${v}`).join(', ')),
      el('td', null, x.asks_for_superior ? 'yes' : ''),
      el('td', { class: 'outcome-cell' }, x.outcome),
      el('td', null, el('code', null, x.message), ` v${x.version}`),
      el('td', null, x.system || ''),
      el('td', null, x.department || ''),
      el('td', null, x.rank || ''),
      el('td', null, x.rule || ''),
      el('td', null, Object.entries(x.flags || {}).filter(([, on]) => on).map(([k]) => k).join(', ')),
    )));
    const shown = t.rows.length < t.matched ? `the first ${t.rows.length} of ` : '';
    setStatus($('table-status'), `Showing ${shown}${t.matched} matching row${t.matched === 1 ? '' : 's'} (${t.total} in the whole table).`
      + (t.diagnostics.length ? ` ${t.diagnostics.length} topic(s) left out: too large.` : ''));
  }
  const scheduleTable = debounce(runTable, 150);

  async function runManual() {
    if (goodPolicy === null || !$('manual-details').open) return;
    const id = ++seq.manual;
    setStatus($('manual-status'), 'Writing the manual…');
    const r = await post('manual', {
      policy: goodPolicy,
      department: $('manual-department').value,
      locale: $('manual-locale').value,
    });
    if (id !== seq.manual) return;
    if (!r.ok || !r.data) {
      setStatus($('manual-status'), (r.data && r.data.error) || `No manual (${r.status}).`, 'bad');
      return;
    }
    setStatus($('manual-status'), '');
    // The server renders the Markdown with raw HTML escaped, images dropped and only
    // anchors and http(s) links kept (page/src/manual.rs).
    $('manual').innerHTML = r.data.html;
  }
  const scheduleManual = debounce(runManual, 150);

  $('manual').addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (!link) return;
    // The fragment holds the page's state: follow the manual's own anchors by hand.
    event.preventDefault();
    const target = document.getElementById(link.getAttribute('href').slice(1));
    if (target) {
      const heading = target.nextElementSibling || target;
      heading.setAttribute('tabindex', '-1');
      heading.focus();
      heading.scrollIntoView();
    }
  });

  // ---- 4. Share: the whole state in the URL fragment. ----
  function toBase64Url(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64Url(text) {
    let b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function through(bytes, transform) {
    const stream = new Blob([bytes]).stream().pipeThrough(transform);
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function encodeState(state) {
    const json = new TextEncoder().encode(JSON.stringify(state));
    if (typeof CompressionStream === 'function') {
      return 'z=' + toBase64Url(await through(json, new CompressionStream('deflate-raw')));
    }
    return 'j=' + toBase64Url(json);
  }

  async function decodeState(fragment) {
    const text = fragment.replace(/^#/, '');
    let bytes;
    if (text.startsWith('z=') && typeof DecompressionStream === 'function') {
      bytes = await through(fromBase64Url(text.slice(2)), new DecompressionStream('deflate-raw'));
    } else if (text.startsWith('j=')) {
      bytes = fromBase64Url(text.slice(2));
    } else {
      return null;
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function readView() {
    return {
      table: $('table-details').open,
      topic: $('filter-topic').value,
      responder: $('filter-responder').value,
      outcome: $('filter-outcome').value,
      manual: $('manual-details').open,
      department: $('manual-department').value,
      language: $('manual-locale').value,
    };
  }

  function writeView(v) {
    setSelect($('filter-topic'), v.topic);
    setSelect($('filter-responder'), v.responder);
    setSelect($('filter-outcome'), v.outcome);
    setSelect($('manual-department'), v.department);
    setSelect($('manual-locale'), v.language);
    $('table-details').open = !!v.table;
    $('manual-details').open = !!v.manual;
  }

  let loading = false;
  async function updateShare() {
    if (loading) return;
    const state = { v: 1, case: readCase(), view: readView() };
    if (policy.value !== EXAMPLE) state.policy = policy.value;
    const fragment = await encodeState(state);
    history.replaceState(null, '', `#${fragment}`);
    $('share-link').value = location.href;
  }
  const scheduleShare = debounce(updateShare, 300);

  $('copy-link').addEventListener('click', async () => {
    await updateShare();
    const link = $('share-link');
    try {
      await navigator.clipboard.writeText(link.value);
      $('share-status').textContent = 'Link copied.';
    } catch (e) {
      link.select();
      $('share-status').textContent = 'Copy the selected link (Ctrl+C).';
    }
  });

  async function loadState() {
    let state = null;
    try {
      state = location.hash.length > 1 ? await decodeState(location.hash) : null;
    } catch (e) {
      $('share-status').textContent = 'The link could not be read; the example policy is shown.';
    }
    if (state && typeof state === 'object') {
      policy.value = typeof state.policy === 'string' ? state.policy : EXAMPLE;
      pendingCase = state.case || null;
      pendingView = state.view || null;
    }
  }

  // ---- Wiring. ----
  policy.addEventListener('input', () => {
    renderGutter();
    scheduleCheck();
    scheduleShare();
  });
  policy.addEventListener('scroll', syncScroll);
  for (const kind of ['keyup', 'click', 'select']) policy.addEventListener(kind, showCursor);

  $('case').addEventListener('submit', (event) => event.preventDefault());
  for (const kind of ['input', 'change']) {
    $('case').addEventListener(kind, () => {
      showChoices();
      scheduleDecide();
      scheduleShare();
    });
  }
  for (const id of ['table-filters', 'manual-filters']) {
    $(id).addEventListener('submit', (event) => event.preventDefault());
  }
  $('table-filters').addEventListener('change', () => {
    scheduleTable();
    scheduleShare();
  });
  $('manual-filters').addEventListener('change', () => {
    scheduleManual();
    scheduleShare();
  });
  $('table-details').addEventListener('toggle', () => {
    scheduleTable();
    scheduleShare();
  });
  $('manual-details').addEventListener('toggle', () => {
    scheduleManual();
    scheduleShare();
  });
  $('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    $('try-heading').focus();
  });
  window.addEventListener('hashchange', async () => {
    const before = $('share-link').value;
    if (before === location.href) return;
    loading = true;
    await loadState();
    loading = false;
    renderGutter();
    scheduleCheck();
  });

  (async () => {
    busy(1);
    loading = true;
    await loadState();
    loading = false;
    renderGutter();
    syncScroll();
    scheduleCheck();
    $('share-link').value = location.href;
    busy(-1);
  })();
})();
