'use strict';
// xml2json 0.2's toJson for the npm open311 client (which calls
// toJson(body, {object: true}) on the answer to a POST), on fast-xml-parser:
//   - the result has the root element's name as its one key;
//   - an element with text only is that text (a string, trimmed);
//   - an empty element is {};
//   - other elements are objects: one key per child name, an array when the
//     name repeats; attributes as keys; text beside children or attributes
//     under "$t".
// Without {object: true} the result is returned as a JSON string, as xml2json did.
const { XMLParser } = require('fast-xml-parser');

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const nameOf = (node) => Object.keys(node).find((k) => k !== ':@');

function element(node) {
  const children = node[nameOf(node)];
  const attributes = node[':@'] || {};
  const object = { ...attributes };
  let text = '';
  let hasChildren = false;
  for (const child of children) {
    const name = nameOf(child);
    if (name === '#text') {
      text += child['#text'];
      continue;
    }
    hasChildren = true;
    const v = element(child);
    if (!(name in object)) object[name] = v;
    else if (Array.isArray(object[name])) object[name].push(v);
    else object[name] = [object[name], v];
  }
  text = text.trim();
  if (!hasChildren && Object.keys(attributes).length === 0) return text === '' ? {} : text;
  if (text !== '') object.$t = text;
  return object;
}

function toJson(xml, options = {}) {
  const root = parser.parse(String(xml)).filter((n) => nameOf(n) !== '#text');
  if (root.length === 0) throw new Error('xml2json: no root element');
  const result = { [nameOf(root[0])]: element(root[0]) };
  return options.object ? result : JSON.stringify(result);
}

module.exports = { toJson };
