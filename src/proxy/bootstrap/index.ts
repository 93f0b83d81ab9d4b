// The standalone bootstrap: public API.
export { loadBootstrap, xdsBootstrapOf, type ProxyBootstrap } from './bootstrap.js';
export { BOOTSTRAP_SUPPORT } from './support.js';
export { checkProtoJson, HONOURED, type SupportPolicy, type ProtoJsonCheck } from './proto-json.js';
