// Runs @vercel/cosmosdb-server over HTTPS on 127.0.0.1 with the certificate given on the
// command line (the one bundled in the package expired in 2021).
// Usage: node cosmos_server.js PORT CERT_PEM KEY_PEM
"use strict";
const { readFileSync } = require("fs");
const { createHttpsServer } = require("@vercel/cosmosdb-server");

const [port, certPath, keyPath] = process.argv.slice(2);
const server = createHttpsServer({
  cert: readFileSync(certPath),
  key: readFileSync(keyPath),
  minVersion: "TLSv1.2",
}).listen(Number(port), "127.0.0.1", () => {
  console.log(`cosmosdb-server listening on https://127.0.0.1:${server.address().port}`);
});

function stop(signal) {
  console.log(`cosmosdb-server stopping on ${signal}`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
