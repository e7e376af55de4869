'use strict';
// sparkxml for the npm open311 client (which needs parseXml only), on
// fast-xml-parser: XML → JavaScript by the Open311 "Spark" convention
// (http://wiki.open311.org/JSON_and_XML_Conversion#The_Spark_Convention):
//   - the root element is dropped: its content is the result;
//   - an element whose child elements all have one name (a container such as
//     <services> or <formats>) is an array of their values, even of one;
//   - an element with children of several names is an object;
//   - an element with text only is its text, "true"/"false" as booleans and
//     numbers as numbers when that loses nothing ("006" stays a string);
//   - an empty element is null; attributes are dropped (Spark is lossy).
const { XMLParser } = require('fast-xml-parser');

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const nameOf = (node) => Object.keys(node).find((k) => k !== ':@');

function typed(text) {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text) && String(Number(text)) === text) return Number(text);
  return text;
}

function value(children) {
  const elements = children.filter((n) => nameOf(n) !== '#text');
  if (elements.length === 0) {
    const text = children.map((n) => n['#text']).join('').trim();
    return text === '' ? null : typed(text);
  }
  const names = new Set(elements.map(nameOf));
  if (names.size === 1) return elements.map((n) => value(n[nameOf(n)]));
  const object = {};
  for (const n of elements) object[nameOf(n)] = value(n[nameOf(n)]);
  return object;
}

function parseXml(xml) {
  const root = parser.parse(String(xml)).filter((n) => nameOf(n) !== '#text');
  if (root.length === 0) throw new Error('sparkxml: no root element');
  return value(root[0][nameOf(root[0])]);
}

module.exports = { parseXml };
