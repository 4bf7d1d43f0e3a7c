/**
 * The demo page's view of the client bundle. In the browser this module is not bundled
 * into demo.js: `npm run build:web` marks `./tfe-client.js` external, so demo.js imports
 * the leader's `/tfe-client.js` (dist/web/tfe-client.js, built from client/browser.ts)
 * at run time and the page loads the client code once. For the type checker (and Node)
 * it is simply the browser entry.
 */
export * from '../client/browser.js';
