import { start } from "./dist/DevServer.js"
import * as lancedb from "@lancedb/lancedb"
const s = await start()
const t0 = Date.now()
await s.db.addRows("docs", [{ id: 1, text: "a", vector: [0.1, 0.2, 0.3] }, { id: 2, text: "b", vector: [0.3, 0.2, 0.1] }])
console.log("seeded in", Date.now() - t0)
const h = { authorization: s.pat, "content-type": "application/json" }
const get = async (m, p, b) => { const r = await fetch(s.apiUrl + p, { method: m, headers: h, body: b && JSON.stringify(b) }); return [r.status, await r.text()] }
console.log(await get("GET", `/apps/${s.appId}/db`))
console.log(await get("GET", `/apps/${s.appId}/db/docs?limit=1`))
console.log(await get("GET", `/apps/${s.appId}/db/docs/schema`))
console.log(await get("GET", `/apps/${s.appId}/db/docs/count`))
console.log(await get("POST", `/apps/${s.appId}/db/docs/query`, {}))
console.log(await get("POST", `/apps/${s.appId}/db/nope/query`, {filter: "id = 1"}))
console.log(await get("POST", `/apps/${s.appId}/db/docs/query`, {filter: "id === = 1"}))
console.log(await get("POST", `/apps/${s.appId}/db/docs/query`, {vector_query: {vector: [0.1,0.2,0.3]}, filter: "id > 0", select: ["id","text"]}))
console.log(await get("POST", `/apps/${s.appId}/db/docs/query`, {sql: "SELECT id FROM docs WHERE id = 2"}))
const [st, body] = await get("POST", `/apps/${s.appId}/db/presign`, { table_name: "_default", access_mode: "read" })
console.log(st, body)
const aws = JSON.parse(body).shared_credentials.Aws
const opts = { aws_access_key_id: aws.access_key_id, aws_secret_access_key: aws.secret_access_key, aws_session_token: aws.session_token, aws_region: aws.region, aws_endpoint: aws.content_config.endpoint, allow_http: "true" }
Object.defineProperty(opts, "toJSON", { value: () => "hidden", enumerable: false })
const conn = await lancedb.connect(`s3://${aws.content_bucket}/${JSON.parse(body).db_path}`, { storageOptions: opts })
console.log(await conn.tableNames())
const tbl = await conn.openTable("docs")
console.log((await tbl.vectorSearch([0.3,0.2,0.1]).limit(1).toArray()).map(r => r.id))
try { await tbl.add([{ id: 3, text: "c", vector: [0.5, 0.5, 0.5] }]) } catch (e) { console.log("write refused:", e.message.slice(0, 300)) }
s.db.expireCredentials()
try { await tbl.countRows(); console.log("count after expire ok??") } catch (e) { console.log("expired:", e.message.slice(0, 300)) }
try { const t2 = await conn.openTable("docs"); console.log(await t2.countRows()) } catch (e) { console.log("expired2:", e.message.slice(0, 300)) }
console.log(s.db.refused())
await s.close()
console.log("closed")
