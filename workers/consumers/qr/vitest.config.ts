import { consumerProject } from "../../../test/support/consumer-project";

// A short base unlike the committed dev default, so tests see which one a code used.
export default consumerProject("qr", { bindings: { SHORT_BASE_URL: "https://qr.test" } });
