import { consumerProject } from "../../../test/support/consumer-project";

export default consumerProject("billing", { database: "billing" });
