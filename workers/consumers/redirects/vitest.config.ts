import { consumerProject } from "../../../test/support/consumer-project";

// Nothing over the wrangler.toml: real KV (the REDIRECTS namespace), no D1, no network.
export default consumerProject("redirects");
