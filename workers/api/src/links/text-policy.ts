// Controls (except none), bidi overrides/isolates and zero-width characters make a
// title or tag render differently from what it contains.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

export function isSafeText(text: string): boolean {
  return !UNSAFE_TEXT.test(text) && text.isWellFormed();
}
