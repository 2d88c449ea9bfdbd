// xml-js as the functions' bundles see it: only its writer. The `feed` package imports all of xml-js but calls
// only js2xml, so the bundles alias xml-js to this module (app-function.ts) and a cold start does not load
// xml-js's parser and sax. The path is relative: through the package name the alias would lead back here.
export { default as js2xml } from '../../node_modules/xml-js/lib/js2xml.js';
