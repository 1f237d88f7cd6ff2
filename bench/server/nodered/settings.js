/**
 * Node-RED settings for weir's server load benchmark (bench/server/run.sh).
 *
 * Loopback only, no editor or admin API, no telemetry, update check or
 * diagnostics, logging at warn, flows never written back. run.sh passes the
 * port with --port and a throwaway --userDir, and points WEIR_BENCH_FLOW_FILE
 * at a copy of flow.json inside that userDir.
 */
const path = require("path");

module.exports = {
    flowFile: process.env.WEIR_BENCH_FLOW_FILE || path.join(__dirname, "flow.json"),
    flowFilePretty: true,
    credentialSecret: false,

    uiHost: "127.0.0.1",
    uiPort: Number(process.env.PORT) || 1880,

    /* No editor and no admin HTTP API: nothing but the flow's http-in routes. */
    httpAdminRoot: false,
    httpNodeRoot: "/",
    httpStatic: false,

    /* The http-in node's body limit (Node-RED's default, stated). */
    apiMaxLength: "5mb",

    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    /* Telemetry also carries the update check; both off. run.sh also sets
     * NODE_RED_DISABLE_TELEMETRY=1. */
    telemetry: { enabled: false, updateNotification: false },

    logging: {
        console: { level: "warn", metrics: false, audit: false },
    },

    /* Nothing is installed at run time. */
    externalModules: {
        autoInstall: false,
        palette: { allowInstall: false, allowUpload: false },
        modules: { allowInstall: false },
    },
    functionExternalModules: false,
    functionGlobalContext: {},
    exportGlobalContextKeys: false,

    /* Default in-memory context store; the flow uses none. */
    contextStorage: { default: { module: "memory" } },
};
