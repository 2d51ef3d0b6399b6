// A destructive action asked twice, in the page itself (no window.confirm): the first button
// shows the question with "yes" and "keep" buttons, focus follows, and "keep" puts it back.
import { button, element } from "./dom.js";

/**
 * @param {{ label: string, question: string, confirmLabel: string, onConfirm: () => void }} spec
 * @returns {HTMLElement} the first button and its (hidden) question, side by side
 */
export function confirmAction({ label, question, confirmLabel, onConfirm }) {
  const confirm = element("span", { className: "confirm", attrs: { role: "group", "aria-label": question } });
  confirm.hidden = true;
  const ask = button(label, () => {
    confirm.hidden = false;
    ask.hidden = true;
    confirm.querySelector("button")?.focus();
  });
  confirm.append(
    element("span", { text: `${question} ` }),
    button(confirmLabel, onConfirm, "danger"),
    button("Keep it", () => {
      confirm.hidden = true;
      ask.hidden = false;
      ask.focus();
    }),
  );
  return element("span", { className: "actions" }, [ask, confirm]);
}
