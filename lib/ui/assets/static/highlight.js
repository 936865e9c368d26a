// A small syntax highlighter for statements: keywords, strings, comments and numbers of
// Python, Scala, SQL and R. It splits the code into tokens and the page shows each as a
// text node in a <span class="tok-...">: the code is never parsed as HTML.
'use strict';

const highlight = (() => {
  const words = (text) => new Set(text.split(/\s+/).filter(Boolean));
  const languages = {
    python: {
      lineComments: ['#'],
      blockComments: [],
      quotes: ['"""', "'''", '"', "'"],
      caseInsensitive: false,
      keywords: words(`False None True and as assert async await break class continue def del elif else
        except finally for from global if import in is lambda nonlocal not or pass raise return try while
        with yield match case print self`),
    },
    scala: {
      lineComments: ['//'],
      blockComments: [['/*', '*/']],
      quotes: ['"""', '"'],
      caseInsensitive: false,
      keywords: words(`abstract case catch class def do else extends false final finally for forSome if
        implicit import lazy match new null object override package private protected return sealed super
        this throw trait true try type val var while with yield given using enum then export println`),
    },
    sql: {
      lineComments: ['--'],
      blockComments: [['/*', '*/']],
      quotes: ["'", '"', '`'],
      caseInsensitive: true,
      keywords: words(`select from where group by order having limit offset join inner left right full outer
        cross on as and or not in is null like between case when then else end insert into values update set
        delete create table view drop alter with union all distinct exists asc desc show tables databases
        describe use cast true false count sum avg min max over partition database temporary replace if`),
    },
    r: {
      lineComments: ['#'],
      blockComments: [],
      quotes: ['"', "'", '`'],
      caseInsensitive: false,
      keywords: words(`if else repeat while function for in next break TRUE FALSE NULL Inf NaN NA NA_integer_
        NA_real_ NA_character_ library require return`),
    },
  };

  // Livy's session and statement kinds -> a language.
  function languageOf(kind) {
    switch (kind) {
      case 'spark': case 'scala': return 'scala';
      case 'sql': return 'sql';
      case 'sparkr': case 'r': return 'r';
      default: return 'python';
    }
  }

  // [{type, text}], type one of plain, keyword, string, comment, number. Linear in the code.
  function tokenize(code, language) {
    const lang = languages[language] || languages.python;
    const tokens = [];
    let plain = '';
    const push = (type, text) => {
      if (plain) tokens.push({ type: 'plain', text: plain });
      plain = '';
      tokens.push({ type, text });
    };
    let i = 0;
    const n = code.length;
    outer: while (i < n) {
      for (const start of lang.lineComments) {
        if (code.startsWith(start, i)) {
          const end = code.indexOf('\n', i);
          const stop = end < 0 ? n : end;
          push('comment', code.slice(i, stop));
          i = stop;
          continue outer;
        }
      }
      for (const [open, close] of lang.blockComments) {
        if (code.startsWith(open, i)) {
          const end = code.indexOf(close, i + open.length);
          const stop = end < 0 ? n : end + close.length;
          push('comment', code.slice(i, stop));
          i = stop;
          continue outer;
        }
      }
      for (const quote of lang.quotes) {
        if (code.startsWith(quote, i)) {
          let j = i + quote.length;
          while (j < n && !code.startsWith(quote, j)) {
            if (quote.length === 1 && code[j] === '\n') break;  // an unclosed one-line string
            j += code[j] === '\\' ? 2 : 1;
          }
          const stop = Math.min(n, code.startsWith(quote, j) ? j + quote.length : j);
          push('string', code.slice(i, stop));
          i = stop;
          continue outer;
        }
      }
      const c = code[i];
      const prev = i > 0 ? code[i - 1] : '';
      if (/[0-9]/.test(c) && !/[A-Za-z0-9_]/.test(prev)) {
        const m = /^[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?[A-Za-z]?/.exec(code.slice(i, i + 64));
        push('number', m[0]);
        i += m[0].length;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        let j = i + 1;
        while (j < n && /[A-Za-z0-9_]/.test(code[j])) j++;
        const word = code.slice(i, j);
        const key = lang.caseInsensitive ? word.toLowerCase() : word;
        if (lang.keywords.has(key)) push('keyword', word);
        else plain += word;
        i = j;
        continue;
      }
      plain += c;
      i++;
    }
    if (plain) tokens.push({ type: 'plain', text: plain });
    return tokens;
  }

  // A <code> element holding `code`, highlighted as `kind`.
  function codeElement(code, kind) {
    const language = languageOf(kind);
    const node = document.createElement('code');
    node.className = 'lang-' + language;
    for (const token of tokenize(code, language)) {
      if (token.type === 'plain') {
        node.appendChild(document.createTextNode(token.text));
      } else {
        const span = document.createElement('span');
        span.className = 'tok-' + token.type;
        span.textContent = token.text;
        node.appendChild(span);
      }
    }
    return node;
  }

  return { tokenize, codeElement, languageOf };
})();
