// The targeting rules of a link (API.md "Link controls"): a list of rows, each a set of
// conditions (countries, devices, systems, languages) and the URL people matching them get.
// The first matching rule wins, so rows keep their order; paths match the API's (`rules.0.url`).
import { button, element } from "./dom.js";
import { checkboxGroup, errorLine, listOf, textField } from "./form-fields.js";

/** @typedef {import("./schemas.js").LinkRule} LinkRule */

const DEVICES = ["mobile", "tablet", "desktop"];
const SYSTEMS = ["ios", "android", "windows", "macos", "linux"];
/** The API's cap (README "Link controls"). */
const MAX_RULES = 20;

export class RulesEditor {
  constructor() {
    this.list = element("ol", { className: "rules-list" });
    this.addButton = button("Add a rule", () => this.add());
    this.root = element("fieldset", { className: "rules", attrs: { "data-path": "rules" } }, [
      element("legend", { text: "Targeting rules" }),
      element("p", { className: "hint", text: "The first rule whose conditions all match sends people to its URL instead." }),
      this.list,
      errorLine("rules"),
      this.addButton,
    ]);
    /** @type {{ item: HTMLLIElement, read: () => LinkRule }[]} */
    this.rows = [];
  }

  /** @param {readonly LinkRule[]} rules */
  fill(rules) {
    this.rows = [];
    this.list.replaceChildren();
    for (const rule of rules) this.add(rule);
  }

  /** @param {LinkRule} [rule] */
  add(rule) {
    if (this.rows.length >= MAX_RULES) return;
    const index = this.rows.length;
    const path = `rules.${index}`;
    const when = rule?.when ?? {};
    const countries = textField({
      path: `${path}.when.country`,
      label: "Countries",
      hint: "ISO codes, comma-separated, e.g. DE, AT",
      value: (when.country ?? []).join(", "),
    });
    const languages = textField({ path: `${path}.when.language`, label: "Languages", hint: "e.g. de, fr", value: (when.language ?? []).join(", ") });
    const devices = checkboxGroup({ path: `${path}.when.device`, legend: "Devices", options: DEVICES, checked: when.device });
    const systems = checkboxGroup({ path: `${path}.when.os`, legend: "Operating systems", options: SYSTEMS, checked: when.os });
    const url = textField({ path: `${path}.url`, label: "Send them to", type: "url", value: rule?.url ?? "", attrs: { placeholder: "https://" } });
    const item = element("li", { className: "rule" }, [
      element("fieldset", { attrs: { "data-path": `${path}.when` } }, [
        element("legend", { text: `Rule ${index + 1}` }),
        element("div", { className: "field-grid" }, [countries.wrapper, languages.wrapper]),
        devices.set,
        systems.set,
        errorLine(`${path}.when`),
        url.wrapper,
        errorLine(path),
        button(`Remove rule ${index + 1}`, () => this.remove(item)),
      ]),
    ]);
    const read = () => {
      /** @type {LinkRule["when"]} */
      const conditions = {};
      const countryList = listOf(countries.input.value);
      const languageList = listOf(languages.input.value);
      if (countryList.length > 0) conditions.country = countryList;
      if (devices.values().length > 0) conditions.device = devices.values();
      if (systems.values().length > 0) conditions.os = systems.values();
      if (languageList.length > 0) conditions.language = languageList;
      return { when: conditions, url: url.input.value.trim() };
    };
    this.rows.push({ item, read });
    this.list.append(item);
    this.addButton.disabled = this.rows.length >= MAX_RULES;
  }

  /** Removes a row; the others are rebuilt so their numbers and paths stay in order. @param {HTMLLIElement} item */
  remove(item) {
    const kept = this.rows.filter((row) => row.item !== item).map((row) => row.read());
    this.fill(kept);
    this.addButton.disabled = false;
    this.addButton.focus();
  }

  /** @returns {LinkRule[]} */
  value() {
    return this.rows.map((row) => row.read());
  }
}
