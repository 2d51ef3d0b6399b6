// Where the page keeps the API key. By default for this tab only (sessionStorage: gone when the
// tab closes); in localStorage only when the person ticks "Remember me on this device". The
// docs page shares this origin, so less that outlives the tab means less a stray script can read.

const SESSION_KEY = "linkflow.apiKey";
const REMEMBERED_KEY = "linkflow.apiKey.remembered";
/** Where versions before the choice existed kept every key, unasked: cleared on sight. */
const LEGACY_KEY = "linkflow.apiKey";

/** @returns {string | null} the key this tab or this device remembers */
export function loadKey() {
  localStorage.removeItem(LEGACY_KEY);
  return sessionStorage.getItem(SESSION_KEY) ?? localStorage.getItem(REMEMBERED_KEY);
}

/** @param {string} key @param {boolean} remember keep it past this tab (the person's choice) */
export function saveKey(key, remember) {
  sessionStorage.setItem(SESSION_KEY, key);
  if (remember) localStorage.setItem(REMEMBERED_KEY, key);
  else localStorage.removeItem(REMEMBERED_KEY);
}

export function forgetKey() {
  sessionStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(REMEMBERED_KEY);
  localStorage.removeItem(LEGACY_KEY);
}

/** @returns {boolean} whether a key is remembered on this device */
export function isRemembered() {
  return localStorage.getItem(REMEMBERED_KEY) !== null;
}
