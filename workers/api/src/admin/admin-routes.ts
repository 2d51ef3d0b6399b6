import { adminRouter } from "../auth/routers";
import { adminEventsRoutes } from "./events-admin-routes";
import { adminReconciliationRoutes } from "./reconciliation-routes";
import { adminTeamsRoutes } from "./teams-routes";

/**
 * /v1/admin: every route needs the admin token. The two routers share the prefix, so they are
 * mounted inside this one guarded router (each guarded on its own, both guards would run).
 */
export const adminRoutes = adminRouter().route("/", adminTeamsRoutes).route("/", adminEventsRoutes).route("/", adminReconciliationRoutes);
