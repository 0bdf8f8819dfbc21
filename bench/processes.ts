/** The bench's processes: its server, and fresh Node processes for one measurement each. */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const benchDir = fileURLToPath(new URL(".", import.meta.url))

export interface BenchServer {
  readonly url: string
  /** Ends the server process (this one only, by its own handle). */
  readonly stop: () => void
}

/** Starts server.ts in its own process; resolves once it listens (it reports its port over IPC). */
export const startServer = (holdMs: number): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${benchDir}server.ts`, `--hold-ms=${holdMs}`], {
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const onExit = (code: number | null) => reject(new Error(`the bench server exited with ${code}`))
    child.once("error", reject)
    child.once("exit", onExit)
    child.once("message", (message) => {
      const port = (message as { readonly port: number }).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () => {
          child.off("exit", onExit)
          child.kill()
        }
      })
    })
  })

/** Runs `node <args>` in a fresh process; resolves with its wall time and the JSON of its last line. */
export const runNode = (
  nodeArgs: ReadonlyArray<string>
): Promise<{ readonly wallMs: number; readonly value: unknown }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, nodeArgs, { cwd: benchDir, stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text))
    child.once("error", reject)
    child.once("exit", (code) => {
      const wallMs = performance.now() - started
      if (code !== 0) return reject(new Error(`node ${nodeArgs.join(" ")} exited with ${code}: ${out}`))
      try {
        resolve({ wallMs, value: JSON.parse(out.trim().split("\n").at(-1) ?? "") as unknown })
      } catch (error) {
        reject(new Error(`node ${nodeArgs.join(" ")} printed no result (${String(error)}): ${out}`))
      }
    })
  })
