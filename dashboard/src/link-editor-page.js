// The create and edit pages of a link (#/links/new, #/links/:id/edit): the form of link-form.js,
// sent to the API; its errors are shown next to the field their path names, and nothing changes
// until the API accepts the whole request.
import { ApiError } from "./api-client.js";
import { byId, messageOf, say } from "./dom.js";
import { clearIssues, showIssues } from "./form-fields.js";
import { LinkForm } from "./link-form.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */

export class LinkEditorPage {
  /** @param {{ navigate: (route: string) => void }} app */
  constructor(app) {
    this.app = app;
    this.formNode = byId("link-form", HTMLFormElement);
    this.form = new LinkForm(this.formNode, byId("link-form-heading", HTMLElement));
    /** @type {ApiClient | null} */
    this.client = null;
    this.formNode.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
  }

  /** @param {ApiClient} client @param {string | null} id the link to edit, or null to create one */
  async show(client, id) {
    this.client = client;
    clearIssues(this.formNode);
    this.formNode.hidden = false;
    if (!id) {
      this.form.open(null);
      return;
    }
    // Hidden until the link is in it: nothing typed meanwhile is overwritten by the load.
    this.formNode.hidden = true;
    try {
      const link = await client.getLink(id);
      this.formNode.hidden = false;
      this.form.open(link);
    } catch (error) {
      this.formNode.hidden = false;
      this.form.open(null);
      say(this.form.status, `That link could not be loaded (${messageOf(error)}): this form creates a new one.`);
    }
  }

  async save() {
    const client = this.client;
    if (!client) return;
    clearIssues(this.formNode);
    this.form.submit.disabled = true;
    say(this.form.status, "Saving…");
    try {
      const body = this.form.body();
      const editing = this.form.editing;
      if (editing && Object.keys(body).length === 0) {
        // Nothing changed: nothing to send (the API would refuse an empty change).
        this.app.navigate(`links/${editing.id}`);
        return;
      }
      const link = editing ? await client.updateLink(editing.id, body) : await client.createLink(body);
      say(this.form.status, "");
      this.app.navigate(`links/${link.id}`);
    } catch (error) {
      say(this.form.status, "");
      showIssues(this.formNode, error instanceof ApiError ? error.issues : [], `Not saved: ${messageOf(error)}`);
    } finally {
      this.form.submit.disabled = false;
    }
  }
}
