import { consumerProject } from "../../../test/support/consumer-project";

export default consumerProject("analytics", { database: "analytics" });
