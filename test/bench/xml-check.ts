/**
 * A strict well-formedness check of an XML document (as the report's SVG must be): tags
 * nest and close, attributes are quoted and unique per element, `&` only starts an
 * entity, one root element. Not a full XML parser (no DTDs); enough to catch broken
 * output from a renderer without adding a parser dependency for one test.
 */

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY = /&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);/y;

/** Returns undefined when `xml` is well formed, else what is wrong and where. */
export function xmlProblem(xml: string): string | undefined {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(xml);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const ws = (): void => {
    while (i < xml.length && /\s/.test(xml[i])) i++;
  };
  const checkText = (text: string, from: number): string | undefined => {
    for (let j = text.indexOf('&'); j >= 0; j = text.indexOf('&', j + 1)) {
      ENTITY.lastIndex = j;
      if (!ENTITY.exec(text)) return `bare '&' at ${from + j}`;
    }
    return undefined;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') return `text outside the root at ${i}`;
    const bad = checkText(text, i);
    if (bad) return bad;
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<?', i) || xml.startsWith('<!--', i)) {
      const end = xml.indexOf(xml.startsWith('<?', i) ? '?>' : '-->', i);
      if (end < 0) return `unclosed declaration or comment at ${i}`;
      i = end + (xml.startsWith('<?', i) ? 2 : 3);
      continue;
    }
    if (xml.startsWith('</', i)) {
      i += 2;
      const name = at(NAME);
      ws();
      if (!name || xml[i] !== '>') return `bad end tag at ${i}`;
      i++;
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open ?? 'nothing'}> at ${i}`;
      continue;
    }
    i++;
    const name = at(NAME);
    if (!name) return `bad start tag at ${i}`;
    if (stack.length === 0 && ++roots > 1) return `second root element <${name}> at ${i}`;
    const attrs = new Set<string>();
    for (;;) {
      const before = i;
      ws();
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        i++;
        stack.push(name);
        break;
      }
      if (i === before) return `attributes of <${name}> not separated at ${i}`;
      const attr = at(NAME);
      if (!attr) return `bad attribute in <${name}> at ${i}`;
      if (attrs.has(attr)) return `duplicate attribute ${attr} in <${name}> at ${i}`;
      attrs.add(attr);
      ws();
      if (xml[i] !== '=') return `attribute ${attr} without a value at ${i}`;
      i++;
      ws();
      const q = xml[i];
      if (q !== '"' && q !== "'") return `unquoted attribute ${attr} at ${i}`;
      const end = xml.indexOf(q, i + 1);
      if (end < 0) return `unclosed attribute ${attr} at ${i}`;
      const value = xml.slice(i + 1, end);
      if (value.includes('<')) return `'<' in attribute ${attr} at ${i}`;
      const badValue = checkText(value, i + 1);
      if (badValue) return badValue;
      i = end + 1;
    }
  }
  if (stack.length) return `unclosed <${stack[stack.length - 1]}>`;
  if (roots !== 1) return 'no root element';
  return undefined;
}
