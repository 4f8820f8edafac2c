// codenl results browser: index (accuracy tables, figures) -> list of instances (filters) -> one instance (four arms).
//
// Everything the data holds is untrusted text (model replies, programs' output): it only ever reaches the page as
// text nodes (el() and text() below); no data goes through innerHTML, and every link is built here as "#/...".
// Data files are JavaScript that assigns into window.CODENL_DATA, loaded on demand with <script src> (a page
// opened from the file system cannot fetch() them).  Routes live in the URL hash, so every view is a permalink.
(function () {
  'use strict';

  var DATA = window.CODENL_DATA = window.CODENL_DATA || {};
  var IDX = DATA.index;
  var FORMAT = 1;
  var PAGE = 1000;
  var app = document.getElementById('app');
  var crumbs = document.getElementById('crumbs');
  var renderSeq = 0;
  window.CODENL_TIMING = [];

  // ------------------------------------------------------------------------------------------------------------
  // DOM helpers: text only

  function text(s) { return document.createTextNode(s === null || s === undefined ? '' : String(s)); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'href' && String(v).charAt(0) !== '#') throw new Error('refusing a link that is not a route');
        if (k === 'class') node.className = v;
        else node.setAttribute(k, String(v));
      });
    }
    add(node, children);
    return node;
  }

  function add(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'object' && c.nodeType ? c : text(c));
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // ------------------------------------------------------------------------------------------------------------
  // routes

  function route() {
    var h = location.hash.replace(/^#\/?/, '');
    var q = h.indexOf('?');
    var name = q < 0 ? h : h.slice(0, q);
    var params = {};
    new URLSearchParams(q < 0 ? '' : h.slice(q + 1)).forEach(function (v, k) { params[k] = v; });
    return { name: name, params: params };
  }

  function href(name, params) {
    var usp = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== '') usp.set(k, String(v));
    });
    var qs = usp.toString();
    return '#/' + name + (qs ? '?' + qs : '');
  }

  function link(label, name, params, cls) { return el('a', { href: href(name, params), 'class': cls }, label); }

  // ------------------------------------------------------------------------------------------------------------
  // data

  var ARMS = [], LABEL = {}, MODEL_INDEX = {}, OUTCOMES = [];

  function init() {
    ARMS = IDX.arms.map(function (a) { return a[0]; });
    IDX.arms.forEach(function (a) { LABEL[a[0]] = a[1]; });
    IDX.models.forEach(function (m, i) { MODEL_INDEX[m.name] = i; });
    OUTCOMES = IDX.outcomes;
  }

  var pending = {};

  function load(key, src) {
    if (Object.prototype.hasOwnProperty.call(DATA, key)) return Promise.resolve(DATA[key]);
    if (pending[key]) return pending[key];
    pending[key] = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.onload = function () {
        if (Object.prototype.hasOwnProperty.call(DATA, key)) resolve(DATA[key]);
        else reject(new Error(src + ' did not define ' + key));
      };
      s.onerror = function () { delete pending[key]; reject(new Error('cannot load ' + src)); };
      document.head.appendChild(s);
    });
    return pending[key];
  }

  function pct(c, n) { return n > 0 ? (100 * c / n).toFixed(1) + '%' : '\u2013'; }

  // sum of the count cells that pass `keep`, grouped by `keyOf`
  function tally(keep, keyOf) {
    var out = {};
    IDX.counts.forEach(function (r) {
      var cell = { m: r[0], kind: r[1], size: r[2], seed: r[3], arm: r[4] };
      if (!keep(cell)) return;
      var k = keyOf(cell);
      var t = out[k] || (out[k] = { n: 0, c: 0, inf: 0 });
      t.n += r[5]; t.c += r[6]; t.inf += r[7];
    });
    return out;
  }

  function accCell(t, target, extra) {
    if (!t) return el('td', { 'class': 'num' }, '\u2013');
    var valid = t.n - t.inf;
    var title = t.c + ' correct of ' + valid + ' graded' + (t.inf ? ' (' + t.inf + ' infra errors excluded)' : '');
    var kids = [link(pct(t.c, valid), target.name, target.params), ' ', el('small', null, t.c + '/' + valid)];
    if (extra) kids.push(' ', el('small', null, extra));
    return el('td', { 'class': 'num', title: title }, kids);
  }

  function modelName(i) { return IDX.models[i].name; }

  // ------------------------------------------------------------------------------------------------------------
  // index

  function renderIndex(p) {
    var model = Object.prototype.hasOwnProperty.call(MODEL_INDEX, p.model) ? p.model : '';
    var mi = model ? MODEL_INDEX[model] : -1;
    var inModel = function (c) { return mi < 0 || c.m === mi; };
    var out = [];
    out.push(el('h1', null, 'Results'));
    out.push(el('p', { 'class': 'note' }, [
      IDX.n_instances + ' instances (instance \u00d7 model \u00d7 seed), ' + IDX.n_records + ' graded records; ' +
      IDX.models.length + ' model(s), ' + IDX.kinds.length + ' kind(s), seeds ' + IDX.seeds.join(', ') +
      '. Accuracy = correct / graded, infra errors excluded (as in the statistics). Every number links to its ' +
      'instances.']));

    // model x arm
    out.push(el('h2', null, 'Accuracy by model and arm'));
    var byModel = tally(function () { return true; }, function (c) { return c.m + '|' + c.arm; });
    var byArm = tally(function () { return true; }, function (c) { return c.arm; });
    var ci = {};
    (IDX.ci || []).forEach(function (r) {
      if (r[2] === null || r[3] === null) return;
      ci[r[0] + '|' + r[1]] = '[' + (100 * r[2]).toFixed(1) + ', ' + (100 * r[3]).toFixed(1) + ']';
    });
    var head = el('tr', null, [el('th', null, 'Model'), el('th', null, 'Provider')].concat(
      ARMS.map(function (a) { return el('th', null, LABEL[a]); })));
    var rows = IDX.models.map(function (m, i) {
      var first = [el('td', null, link(m.name, '', { model: m.name })), el('td', null, m.provider || '')];
      return el('tr', null, first.concat(
        ARMS.map(function (a) {
          return accCell(byModel[i + '|' + a], { name: 'list', params: { model: m.name, arm: a } }, ci[i + '|' + a]);
        })));
    });
    rows.push(el('tr', null, [el('td', null, el('b', null, 'All models')), el('td', null, '')].concat(
      ARMS.map(function (a) { return accCell(byArm[a], { name: 'list', params: { arm: a } }); }))));
    out.push(el('table', { id: 't-model-arm' }, [el('thead', null, head), el('tbody', null, rows)]));
    if (IDX.ci && IDX.ci.length) {
      out.push(el('p', { 'class': 'note' }, 'Brackets: 95% cluster-bootstrap CI from the statistics stage.'));
    }

    // disagreements: A correct and B not; stated answer differs from the executed value
    var dis = IDX.disagreements || { pairs: [], fidelity: [] };
    var cols = [];
    dis.pairs.forEach(function (r) {
      var k = r[1] + '>' + r[2];
      if (cols.indexOf(k) < 0) cols.push(k);
    });
    var fcols = [];
    dis.fidelity.forEach(function (r) { if (fcols.indexOf(r[1]) < 0) fcols.push(r[1]); });
    if (cols.length || fcols.length) {
      out.push(el('h2', null, 'Where the arms disagree'));
      var pc = {}, fc = {};
      dis.pairs.forEach(function (r) {
        [r[0], 'all'].forEach(function (m) { var k = m + '|' + r[1] + '>' + r[2]; pc[k] = (pc[k] || 0) + r[3]; });
      });
      dis.fidelity.forEach(function (r) {
        [r[0], 'all'].forEach(function (m) {
          var k = m + '|' + r[1]; var t = fc[k] || (fc[k] = [0, 0]); t[0] += r[2]; t[1] += r[3];
        });
      });
      var dhead = el('tr', null, [el('th', null, 'Model')].concat(cols.map(function (c) {
        var ab = c.split('>');
        return el('th', null, LABEL[ab[0]] + ' correct, ' + LABEL[ab[1]] + ' not');
      })).concat(fcols.map(function (a) { return el('th', null, LABEL[a] + ' says X, execution returned Y'); })));
      var drows = IDX.models.map(function (m, i) { return [i, m.name]; }).concat([['all', '']]).map(function (mm) {
        var first = [el('td', null, mm[0] === 'all' ? el('b', null, 'All models') : mm[1])];
        return el('tr', null, first.concat(cols.map(function (c) {
          var ab = c.split('>'); var n = pc[mm[0] + '|' + c] || 0;
          return el('td', { 'class': 'num' }, link(String(n), 'list', { model: mm[1], dis: 'ab', a: ab[0], b: ab[1] }));
        })).concat(fcols.map(function (a) {
          var t = fc[mm[0] + '|' + a] || [0, 0];
          return el('td', { 'class': 'num', title: t[0] + ' of ' + t[1] + ' with both values' },
            [link(String(t[0]), 'list', { model: mm[1], dis: 'fid', f: a }), ' ', el('small', null, '/' + t[1])]);
        })));
      });
      out.push(el('table', { id: 't-disagree' }, [el('thead', null, dhead), el('tbody', null, drows)]));
    }

    // model selector for the finer tables
    var sel = el('select', { id: 'index-model' }, [el('option', { value: '' }, 'All models')].concat(
      IDX.models.map(function (m) { return el('option', { value: m.name }, m.name); })));
    sel.value = model;
    sel.addEventListener('change', function () { location.hash = href('', { model: sel.value }); });
    out.push(el('div', { 'class': 'controls' }, [el('label', null, ['Tables below for ', sel])]));

    var kindHead = function (first) {
      return el('tr', null, first.map(function (h) { return el('th', null, h); }).concat(
        ARMS.map(function (a) { return el('th', null, LABEL[a]); })));
    };
    // x kind
    out.push(el('h2', null, 'Accuracy by kind' + (model ? ' \u2014 ' + model : ', all models')));
    var byKind = tally(inModel, function (c) { return c.kind + '|' + c.arm; });
    out.push(el('table', { id: 't-kind' }, [el('thead', null, kindHead(['Kind', 'Family'])), el('tbody', null,
      IDX.kinds.map(function (k) {
        var first = [el('td', null, link(k.name, 'list', { model: model, kind: k.name })),
          el('td', null, k.family || '')];
        return el('tr', null, first.concat(
          ARMS.map(function (a) {
            return accCell(byKind[k.name + '|' + a], { name: 'list', params: { model: model, kind: k.name, arm: a } });
          })));
      }))]));

    // x size
    out.push(el('h2', null, 'Accuracy by kind and size' + (model ? ' \u2014 ' + model : ', all models')));
    var bySize = tally(inModel, function (c) { return c.kind + '|' + c.size + '|' + c.arm; });
    var sizes = {};
    IDX.counts.forEach(function (r) { (sizes[r[1]] = sizes[r[1]] || {})[r[2]] = true; });
    var sizeRows = [];
    IDX.kinds.forEach(function (k) {
      Object.keys(sizes[k.name] || {}).map(Number).sort(function (x, y) { return x - y; }).forEach(function (s) {
        sizeRows.push(el('tr', null, [el('td', null, k.name), el('td', { 'class': 'num' }, String(s))].concat(
          ARMS.map(function (a) {
            var target = { name: 'list', params: { model: model, kind: k.name, size: s, arm: a } };
            return accCell(bySize[k.name + '|' + s + '|' + a], target);
          }))));
      });
    });
    out.push(el('table', { id: 't-size' }, [el('thead', null, kindHead(['Kind', 'Size'])),
      el('tbody', null, sizeRows)]));

    // outcomes
    out.push(el('h2', null, 'Outcomes' + (model ? ' \u2014 ' + model : ', all models')));
    var oc = {};
    IDX.outcome_counts.forEach(function (r) {
      if (mi >= 0 && r[0] !== mi) return;
      var k = r[3] + '|' + r[2];
      oc[k] = (oc[k] || 0) + r[4];
    });
    out.push(el('table', { id: 't-outcomes' }, [el('thead', null, kindHead(['Outcome'])), el('tbody', null,
      OUTCOMES.map(function (o) {
        return el('tr', null, [el('td', null, badge(o))].concat(ARMS.map(function (a) {
          var n = oc[o + '|' + a] || 0;
          return el('td', { 'class': 'num' }, n ? link(String(n), 'list', { model: model, arm: a, outcome: o }) : '0');
        })));
      }))]));

    if (IDX.figures && IDX.figures.length) {
      out.push(el('h2', null, 'Figures'));
      out.push(el('div', { 'class': 'figures' }, IDX.figures.map(function (f) {
        return el('figure', null, [el('img', { src: 'figures/' + encodeURIComponent(f), alt: f }),
          el('figcaption', { 'class': 'note' }, f)]);
      })));
    }
    setCrumbs([]);
    return Promise.resolve(out);
  }

  function badge(outcome) { return el('span', { 'class': 'badge o-' + outcome }, outcome); }

  // ------------------------------------------------------------------------------------------------------------
  // list of instances

  function shardsFor(p) {
    var keys = [];
    IDX.models.forEach(function (m, i) {
      if (p.model && p.model !== m.name) return;
      IDX.kinds.forEach(function (k) {
        if (p.kind && p.kind !== k.name) return;
        IDX.seeds.forEach(function (s) {
          if (p.seed !== undefined && p.seed !== '' && String(s) !== String(p.seed)) return;
          var key = i + '/' + k.name + '/' + s;
          if (IDX.shards[key]) keys.push(key);
        });
      });
    });
    return keys;
  }

  function armIndex(a) { return ARMS.indexOf(a); }

  function matcher(p) {
    var tests = [];
    if (p.size) tests.push(function (r) { return String(r.row[1]) === String(p.size); });
    var ai = armIndex(p.arm);
    if (p.outcome) {
      var oi = OUTCOMES.indexOf(p.outcome);
      if (ai >= 0) tests.push(function (r) { var x = r.row[4][ai]; return !!x && x[0] === oi; });
      else tests.push(function (r) { return r.row[4].some(function (x) { return !!x && x[0] === oi; }); });
    }
    var correct = OUTCOMES.indexOf('correct'), infra = OUTCOMES.indexOf('infra_error');
    if (p.dis === 'ab') {
      var a = armIndex(p.a), b = armIndex(p.b);
      tests.push(function (r) {
        var x = r.row[4][a], y = r.row[4][b];
        return !!x && !!y && x[0] === correct && y[0] !== correct && y[0] !== infra;
      });
    } else if (p.dis === 'fid') {
      var f = armIndex(p.f);
      tests.push(function (r) { var x = r.row[4][f]; return !!x && x[1] === 0; });
    }
    if (p.q) {
      var q = p.q.toLowerCase();
      tests.push(function (r) { return r.row[0].indexOf(q) >= 0; });
    }
    return function (r) { for (var i = 0; i < tests.length; i++) if (!tests[i](r)) return false; return true; };
  }

  function select(id, value, options, onchange) {
    var s = el('select', { id: id }, options.map(function (o) { return el('option', { value: o[0] }, o[1]); }));
    s.value = value || '';
    if (s.value !== (value || '')) s.value = '';
    s.addEventListener('change', function () { onchange(s.value); });
    return s;
  }

  function listControls(p) {
    var set = function (k) {
      return function (v) {
        var q = Object.assign({}, p); q[k] = v; delete q.page;
        if (k === 'kind') delete q.size;
        if (k === 'dis') {
          if (v === 'ab') { q.a = q.a || ARMS[ARMS.length - 1]; q.b = q.b || ARMS[0]; } else { delete q.a; delete q.b; }
          if (v === 'fid') q.f = q.f || IDX.fidelity_arms[0]; else delete q.f;
        }
        location.hash = href('list', q);
      };
    };
    var armOpts = ARMS.map(function (a) { return [a, LABEL[a]]; });
    var sizes = {};
    IDX.counts.forEach(function (r) { if (!p.kind || r[1] === p.kind) sizes[r[2]] = true; });
    var sizeList = Object.keys(sizes).map(Number).sort(function (x, y) { return x - y; });
    var all = [['', 'all']];
    // an option whose value and label are the item (or its field)
    var same = function (field) { return function (x) { var v = String(field ? x[field] : x); return [v, v]; }; };
    var kids = [
      el('label', null, ['Model ', select('f-model', p.model, all.concat(IDX.models.map(same('name'))), set('model'))]),
      el('label', null, ['Kind ', select('f-kind', p.kind, all.concat(IDX.kinds.map(same('name'))), set('kind'))]),
      el('label', null, ['Size ', select('f-size', p.size, all.concat(sizeList.map(same())), set('size'))]),
      el('label', null, ['Seed ', select('f-seed', p.seed, all.concat(IDX.seeds.map(same())), set('seed'))]),
      el('label', null, ['Arm ', select('f-arm', p.arm, [['', 'any']].concat(armOpts), set('arm'))]),
      el('label', null, ['Outcome ', select('f-outcome', p.outcome, [['', 'any']].concat(OUTCOMES.map(same())),
        set('outcome'))]),
      el('label', null, ['Disagreement ', select('f-dis', p.dis, [['', 'none'], ['ab', 'arm A correct, arm B not'],
        ['fid', 'stated answer \u2260 executed value']], set('dis'))])
    ];
    if (p.dis === 'ab') {
      kids.push(el('label', null, ['A ', select('f-a', p.a, armOpts, set('a'))]));
      kids.push(el('label', null, ['B ', select('f-b', p.b, armOpts, set('b'))]));
    }
    if (p.dis === 'fid') {
      var fidOpts = IDX.fidelity_arms.map(function (a) { return [a, LABEL[a]]; });
      kids.push(el('label', null, ['Arm ', select('f-f', p.f, fidOpts, set('f'))]));
    }
    var box = el('input', { id: 'f-q', type: 'search', placeholder: 'instance id', size: 18 });
    box.value = p.q || '';
    box.addEventListener('change', function () { set('q')(box.value.trim().toLowerCase()); });
    kids.push(el('label', null, ['Id ', box]));
    return el('div', { 'class': 'controls', id: 'filters' }, kids);
  }

  function describe(p) {
    var parts = [];
    if (p.dis === 'ab' && LABEL[p.a] && LABEL[p.b]) parts.push(LABEL[p.a] + ' correct, ' + LABEL[p.b] + ' not');
    if (p.dis === 'fid' && LABEL[p.f]) parts.push(LABEL[p.f] + ' says X, execution returned Y');
    if (p.outcome) parts.push((LABEL[p.arm] ? LABEL[p.arm] + ' ' : 'some arm ') + p.outcome);
    return parts.join('; ');
  }

  // the rows of the list `p` selects: { all: every loaded row, hits: the rows that pass the filters }
  function query(p) {
    return Promise.all(shardsFor(p).map(function (k) {
      return load('list/' + k, IDX.shards[k].list).then(function (rows) {
        var parts = k.split('/');
        return { m: Number(parts[0]), kind: parts[1], seed: Number(parts[2]), rows: rows };
      });
    })).then(function (shards) {
      var all = [];
      shards.forEach(function (s) {
        s.rows.forEach(function (row) { all.push({ m: s.m, kind: s.kind, seed: s.seed, row: row }); });
      });
      return { all: all, hits: all.filter(matcher(p)) };
    });
  }

  function listQuery(p) {
    var q = Object.assign({}, p);
    delete q.page;
    return href('list', q).replace(/^#\/list\??/, '');
  }

  function instanceTarget(r, from) {
    return { model: modelName(r.m), kind: r.kind, size: r.row[1], seed: r.seed, id: r.row[0], from: from };
  }

  function renderList(p) {
    setCrumbs([['Instances', null]]);
    var from = listQuery(p);
    return query(p).then(function (res) {
      var all = res.all, hits = res.hits;
      var page = Math.max(0, parseInt(p.page || '0', 10) || 0);
      var pages = Math.max(1, Math.ceil(hits.length / PAGE));
      if (page >= pages) page = pages - 1;
      var shown = hits.slice(page * PAGE, (page + 1) * PAGE);
      var hi = armIndex(p.arm);
      var out = [el('h1', null, 'Instances'), listControls(p)];
      var what = describe(p);
      var range = hits.length > PAGE ? '; showing ' + (page * PAGE + 1) + '\u2013' + (page * PAGE + shown.length) : '';
      out.push(el('p', { id: 'list-count' }, [el('b', null, String(hits.length)), ' of ' + all.length +
        ' instances' + (what ? ' \u2014 ' + what : '') + range]));
      var pager = null;
      if (pages > 1) {
        pager = el('div', { 'class': 'pager' }, []);
        for (var i = 0; i < pages; i++) {
          var q = Object.assign({}, p); q.page = i;
          pager.appendChild(i === page ? el('span', null, 'page ' + (i + 1)) : link('page ' + (i + 1), 'list', q));
        }
        out.push(pager);
      }
      var head = el('tr', null, ['Instance', 'Model', 'Kind', 'Size', 'Seed', '#', 'Gold'].map(function (h) {
        return el('th', null, h);
      }).concat(ARMS.map(function (a, i) {
          return el('th', null, i === hi ? el('u', null, LABEL[a]) : LABEL[a]);
        })));
      var body = document.createElement('tbody');
      var frag = document.createDocumentFragment();
      shown.forEach(function (r) {
        var row = r.row;
        var target = instanceTarget(r, from);
        var tr = el('tr', null, [el('td', null, link(row[0], 'instance', target, 'inst')),
          el('td', null, modelName(r.m)), el('td', null, r.kind), el('td', { 'class': 'num' }, String(row[1])),
          el('td', { 'class': 'num' }, String(r.seed)),
          el('td', { 'class': 'num' }, row[2] === null ? '' : String(row[2])),
          el('td', null, el('span', { 'class': 'ans' }, row[3]))]);
        row[4].forEach(function (x) {
          if (!x) { tr.appendChild(el('td', null, '\u2013')); return; }
          var unfaithful = x[1] !== 0 ? null
            : el('span', { title: 'stated answer differs from the executed value' }, ' \u2260exec');
          var answer = x[2] !== null ? el('span', { 'class': 'ans' }, x[2]) : null;
          tr.appendChild(el('td', null, [badge(OUTCOMES[x[0]]), unfaithful, answer]));
        });
        frag.appendChild(tr);
      });
      body.appendChild(frag);
      out.push(el('table', { 'class': 'list', id: 'list' }, [el('thead', null, head), body]));
      if (pager) out.push(pager.cloneNode(true));
      return out;
    });
  }

  // ------------------------------------------------------------------------------------------------------------
  // a tiny Python highlighter (tokens become spans holding text)

  var KW = {};
  ('False None True and as assert async await break class continue def del elif else except finally for from global ' +
   'if import in is lambda nonlocal not or pass raise return try while with yield match case').split(' ').forEach(
    function (k) { KW[k] = 1; });
  var BI = {};
  ('abs all any bool dict enumerate filter float frozenset int len list map max min print range reversed round set ' +
   'sorted str sum tuple zip isinstance divmod pow self heapq bisect itertools collections math functools'
  ).split(' ').forEach(
    function (k) { BI[k] = 1; });
  // groups: 1 comment, 2 string (prefix, triple or single quotes, unterminated up to the line's end), 3 number, 4 name
  var PY = new RegExp([
    '(#[^\\n]*)',
    '((?:[rRbBuUfF]{1,2})?(?:"""[\\s\\S]*?(?:"""|$)|\'\'\'[\\s\\S]*?(?:\'\'\'|$)|' +
      '"(?:\\\\.|[^"\\\\\\n])*"?|\'(?:\\\\.|[^\'\\\\\\n])*\'?))',
    '(\\b\\d[\\d_]*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?[jJ]?\\b|\\.\\d+\\b)',
    '([A-Za-z_][A-Za-z0-9_]*)'
  ].join('|'), 'g');

  function highlight(code) {
    var frag = document.createDocumentFragment();
    var last = 0, m, prev = '';
    PY.lastIndex = 0;
    while ((m = PY.exec(code)) !== null) {
      if (m[0] === '') { PY.lastIndex++; continue; }
      if (m.index > last) frag.appendChild(text(code.slice(last, m.index)));
      var cls = null;
      if (m[1]) cls = 'tk-com';
      else if (m[2]) cls = 'tk-str';
      else if (m[3]) cls = 'tk-num';
      else if (m[4] && KW[m[4]]) cls = 'tk-kw';
      else if (m[4]) cls = (prev === 'def' || prev === 'class') ? 'tk-def' : BI[m[4]] ? 'tk-bi' : null;
      frag.appendChild(cls ? el('span', { 'class': cls }, m[0]) : text(m[0]));
      if (m[4]) prev = m[4];
      last = m.index + m[0].length;
    }
    if (last < code.length) frag.appendChild(text(code.slice(last)));
    return frag;
  }

  function codeBlock(code) { var pre = el('pre', { 'class': 'code' }); pre.appendChild(highlight(code)); return pre; }

  var PY_LANGS = { '': 1, python: 1, py: 1, python3: 1, py3: 1 };

  // a reply: prose as text, fenced blocks as code (python-like ones highlighted)
  function renderReply(s) {
    var box = el('div', { 'class': 'reply' });
    var lines = s.split('\n');
    var prose = [], fence = null, lang = '', body = [];
    var flushProse = function () {
      if (prose.length) box.appendChild(el('div', { 'class': 'prose' }, prose.join('\n')));
      prose = [];
    };
    lines.forEach(function (line) {
      if (fence === null) {
        var m = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)/.exec(line);
        if (m) { flushProse(); fence = m[1]; lang = m[2].toLowerCase(); body = []; } else prose.push(line);
      } else {
        var c = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
        if (c && c[1].charAt(0) === fence.charAt(0) && c[1].length >= fence.length) {
          box.appendChild(PY_LANGS[lang] ? codeBlock(body.join('\n')) : el('pre', null, body.join('\n')));
          fence = null;
        } else body.push(line);
      }
    });
    if (fence !== null) box.appendChild(PY_LANGS[lang] ? codeBlock(body.join('\n')) : el('pre', null, body.join('\n')));
    flushProse();
    return box;
  }

  // ------------------------------------------------------------------------------------------------------------
  // one instance

  function fmt(v) {
    if (v === null || v === undefined) return '\u2013';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function kv(pairs) {
    var dl = el('dl', { 'class': 'kv' });
    pairs.forEach(function (p) {
      if (p[1] === undefined) return;
      dl.appendChild(el('dt', null, p[0]));
      var isNode = p[1] !== null && typeof p[1] === 'object' && p[1].nodeType;
      dl.appendChild(el('dd', p[2] ? { 'class': p[2] } : null, isNode ? p[1] : fmt(p[1])));
    });
    return dl;
  }

  function section(title, open, children, id) {
    var d = el('details', { 'class': 'sec', 'data-sec': id || null }, [el('summary', null, title)].concat(children));
    d.open = !!open;
    return d;
  }

  var EXEC_KNOWN = ['status', 'value', 'value_type', 'value_error', 'exception_type', 'exception_message',
    'timeout_kind',
    'exit_code', 'signal', 'wall_s', 'cpu_s', 'peak_rss_kb', 'stdout_truncated', 'stdout', 'stdout_head', 'stdout_tail',
    'stderr_tail', 'stderr', 'layers', 'allowed_packages', 'code_sha256', 'harness_version', 'sandbox_version'];
  var LIMITS = { timeout: 'time', memory_limit: 'memory', output_limit: 'output' };

  function limitsHit(x) {
    var hit = [];
    var which = x.status === 'timeout' && x.timeout_kind ? ' (' + x.timeout_kind + ')' : '';
    if (LIMITS[x.status]) hit.push(LIMITS[x.status] + which);
    if (x.stdout_truncated) hit.push('stdout truncated');
    return hit.length ? hit.join(', ') : 'none';
  }

  function renderExecution(x) {
    if (!x) return [el('p', { 'class': 'note' }, 'no execution record')];
    var out = [kv([
      ['status', el('b', null, fmt(x.status))],
      ['value', x.value === undefined ? undefined : x.value],
      ['value type', x.value_type],
      ['value error', x.value_error === null ? undefined : x.value_error],
      ['exception', x.exception_type ? x.exception_type + (x.exception_message ? ': ' + x.exception_message : '')
        : undefined],
      ['limits hit', limitsHit(x)],
      ['exit code / signal', fmt(x.exit_code) + ' / ' + fmt(x.signal)],
      ['wall / cpu s', fmt(x.wall_s) + ' / ' + fmt(x.cpu_s)],
      ['peak RSS KiB', x.peak_rss_kb],
      ['allowed packages', x.allowed_packages],
      ['layers', x.layers ? x.layers.join(', ') : undefined],
      ['versions', fmt(x.harness_version) + ', ' + fmt(x.sandbox_version)]
    ])];
    ['stdout', 'stdout_head', 'stdout_tail', 'stderr', 'stderr_tail'].forEach(function (k) {
      if (typeof x[k] !== 'string' || x[k] === '') return;
      out.push(el('div', null, [el('h3', null, k), el('pre', { 'class': 'out-' + k }, x[k])]));
    });
    var extra = Object.keys(x).filter(function (k) { return EXEC_KNOWN.indexOf(k) < 0; });
    if (extra.length) out.push(kv(extra.map(function (k) { return [k, x[k]]; })));
    return out;
  }

  var RESP_KNOWN = ['status', 'text', 'reasoning', 'finish_reason', 'usage', 'cost', 'latency_s', 'attempts',
    'answered_model',
    'answered_provider', 'system_fingerprint', 'error', 'code_sha256', 'provider', 'prompt_version', 'request_key'];

  function renderArm(arm, e, executed) {
    var g = e.graded || {};
    var r = e.response || null;
    var kids = [el('h2', null, LABEL[arm])];
    kids.push(el('div', { 'class': 'outcome' },
      g.outcome ? badge(g.outcome) : el('span', { 'class': 'note' }, 'no graded record')));
    var fid = g.fidelity;
    var usage = (r && r.usage) || {};
    var reasoning = g.reasoning_tokens || usage.reasoning_tokens;
    var tokens = fmt(g.prompt_tokens) + ' / ' + fmt(g.completion_tokens) +
      (reasoning ? ' (reasoning ' + fmt(reasoning) + ')' : '');
    kids.push(kv([
      ['answer', g.answer === undefined ? undefined : el('span', { 'class': 'ans-full' }, fmt(g.answer))],
      ['why', g.detail ? g.detail : undefined],
      ['fidelity', fid === null || fid === undefined ? undefined
        : (fid ? 'stated answer = executed value' : 'stated answer \u2260 executed value')],
      ['executed value', fid === null || fid === undefined || !executed ? undefined
        : el('span', { 'class': 'ans-exec' }, fmt(executed.value))],
      ['tokens in / out', g.prompt_tokens === undefined && !r ? undefined : tokens],
      ['cost $', g.cost],
      ['latency s', g.latency_s],
      ['provider', r ? fmt(r.provider) + (r.answered_provider ? ' \u2192 ' + r.answered_provider : '') : undefined],
      ['answered by', r && r.answered_model ? r.answered_model : undefined],
      ['finish', r && r.finish_reason ? r.finish_reason : undefined],
      ['request', r ? fmt(r.status) + ', ' + fmt(r.attempts) + ' attempt(s)' : undefined]
    ]));
    if (e.prompt !== undefined) {
      kids.push(section('Prompt', false, [el('p', { 'class': 'note' }, e.prompt_note || ''),
        e.prompt === null ? null : el('pre', { 'class': 'prompt' }, e.prompt)], 'prompt'));
    }
    if (r) {
      if (typeof r.text === 'string') kids.push(section('Reply', true, [renderReply(r.text)], 'reply'));
      else {
        var why = r.status === 'ok' ? 'the API gave no text (content was null)' : 'no reply';
        kids.push(el('p', { 'class': 'note' }, why));
      }
      if (typeof r.reasoning === 'string' && r.reasoning) {
        kids.push(section('Reasoning', false, [el('pre', null, r.reasoning)], 'reasoning'));
      }
      if (r.error) kids.push(section('Error', true, [el('pre', null, JSON.stringify(r.error, null, 1))], 'error'));
      var extra = Object.keys(r).filter(function (k) { return RESP_KNOWN.indexOf(k) < 0; });
      if (extra.length) kids.push(section('More fields', false, [kv(extra.map(function (k) { return [k, r[k]]; }))]));
    } else if (arm !== ARMS[ARMS.length - 1] || e.response !== undefined) {
      if (e.response === null) kids.push(el('p', { 'class': 'note' }, 'no response record'));
    }
    if (e.code !== undefined) {
      kids.push(section(arm === 'sim' ? 'Extracted code' : 'Code', arm !== 'sim', [
        el('p', { 'class': 'note' }, e.code_note || ''),
        e.code === null ? el('p', { 'class': 'note' }, 'no code') : codeBlock(e.code)], 'code'));
    }
    if (e.execution !== undefined) {
      kids.push(section('Execution record', true, renderExecution(e.execution), 'execution'));
    }
    var versions = [g.prompt_version, g.grader_version, g.harness_version].filter(function (v) { return v; });
    if (versions.length) kids.push(el('p', { 'class': 'note' }, versions.join(' \u00b7 ')));
    return el('section', { 'class': 'arm', id: 'arm-' + arm }, kids);
  }

  function renderInstance(p) {
    var mi = MODEL_INDEX[p.model];
    var key = mi + '/' + p.kind + '/' + p.seed;
    var sh = IDX.shards[key];
    var file = sh && sh.detail[String(p.size)];
    // opened from a list: the list's filters travel in `from`, for the way back and previous / next
    var lp = null;
    if (p.from !== undefined) {
      lp = {};
      new URLSearchParams(p.from).forEach(function (v, k) { lp[k] = v; });
    }
    var back = href('list', lp || { model: p.model, kind: p.kind });
    setCrumbs([['Instances', back], [p.id || '', null]]);
    var missing = [el('p', { 'class': 'error' }, 'No such instance in this run.')];
    if (mi === undefined || !file) return Promise.resolve(missing);
    var neighbours = lp ? query(lp).then(function (res) {
      var at = -1;
      res.hits.some(function (r, i) {
        if (r.m === mi && String(r.seed) === String(p.seed) && r.row[0] === p.id) { at = i; return true; }
        return false;
      });
      if (at < 0) return null;
      var go = function (i, label) {
        return i < 0 || i >= res.hits.length ? el('span', { 'class': 'note' }, label)
          : link(label, 'instance', instanceTarget(res.hits[i], p.from), null);
      };
      var nav = el('div', { 'class': 'pager', id: 'neighbours' }, [go(at - 1, '\u2039 previous'),
        el('span', null, (at + 1) + ' of ' + res.hits.length + ' in '), el('a', { href: back }, 'the list'),
        go(at + 1, 'next \u203a')]);
      return nav;
    }) : Promise.resolve(null);
    var detail = load('detail/' + mi + '/' + p.kind + '/' + p.size + '/' + p.seed, file);
    return Promise.all([detail, neighbours]).then(function (both) {
      var shard = both[0], nav = both[1];
      var d = Object.prototype.hasOwnProperty.call(shard.instances, p.id) ? shard.instances[p.id] : null;
      if (!d) return missing;
      var m = IDX.models[mi];
      var out = [nav, el('h1', null, ['Instance ', el('code', null, p.id)])];
      out.push(kv([
        ['model', m.name + (m.provider ? ' (' + m.provider + ')' : '')],
        ['kind', p.kind + (d.algorithm ? ' \u2014 ' + d.algorithm : '')],
        ['size / seed / index', p.size + ' / ' + p.seed + ' / ' + fmt(d.index)],
        ['generator', d.generator_version],
        ['permalink', el('a', { id: 'permalink',
          href: href('instance', { model: p.model, kind: p.kind, size: p.size, seed: p.seed, id: p.id }) },
          'link to this instance')]
      ]));
      (shard.notes || []).forEach(function (n) { out.push(el('p', { 'class': 'note' }, 'note: ' + n)); });
      out.push(el('h2', null, 'Statement'));
      out.push(d.statement === null ? el('p', { 'class': 'note' }, 'not available')
        : el('pre', { id: 'statement' }, d.statement));
      if (d.answer_format) {
        out.push(el('p', { 'class': 'prose' }, [el('b', null, 'Answer format: '), d.answer_format,
          d.answer_type ? ' (' + d.answer_type + ')' : '']));
      }
      out.push(el('h2', null, 'Gold answer'));
      out.push(el('pre', { id: 'gold' }, d.gold === null ? '\u2013' : d.gold));
      // the execution record (of the arm that runs the code), for the fidelity lines of the arms that simulate it
      var ran = ARMS.filter(function (a) { return d.arms[a] && d.arms[a].execution; })[0];
      var executed = ran ? d.arms[ran].execution : null;
      out.push(el('div', { 'class': 'arms' }, ARMS.map(function (a) {
        return renderArm(a, d.arms[a] || {}, executed);
      })));
      return out;
    });
  }

  // ------------------------------------------------------------------------------------------------------------

  function setCrumbs(items) {
    clear(crumbs);
    items.forEach(function (it) {
      crumbs.appendChild(text('\u203a '));
      crumbs.appendChild(it[1] ? el('a', { href: it[1] }, it[0]) : el('span', null, it[0]));
    });
  }

  function show(nodes) { clear(app); add(app, nodes); }

  function render() {
    var seq = ++renderSeq;
    var t0 = performance.now();
    var r = route();
    var p = r.params;
    var job;
    document.documentElement.removeAttribute('data-rendered');
    if (r.name === '' || r.name === 'index') job = renderIndex(p);
    else if (r.name === 'list') job = renderList(p);
    else if (r.name === 'instance') job = renderInstance(p);
    else job = Promise.resolve([el('p', { 'class': 'error' }, 'Unknown page.'), link('Back to the results', '', {})]);
    if (r.name === 'list' || r.name === 'instance') show([el('p', { 'class': 'note' }, 'Loading\u2026')]);
    job.then(function (nodes) {
      if (seq !== renderSeq) return;
      show(nodes);
      if (r.name !== 'instance') window.scrollTo(0, 0);
      var now = performance.now();
      window.CODENL_TIMING.push({ route: r.name || 'index', hash: location.hash, ms: now - t0, at: now });
      document.documentElement.setAttribute('data-rendered', String(seq));
    }, function (err) {
      if (seq !== renderSeq) return;
      show([el('p', { 'class': 'error' }, String(err && err.message || err))]);
      document.documentElement.setAttribute('data-rendered', String(seq));
    });
  }

  if (!IDX || IDX.format !== FORMAT) {
    show([el('p', { 'class': 'error' }, 'data/index.js is missing or of another format: rebuild the viewer.')]);
    return;
  }
  init();
  window.addEventListener('hashchange', render);
  render();
})();
