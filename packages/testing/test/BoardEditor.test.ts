/** The dev server's board commands, after `core/flow/board/commands/**`. */
import type { BoardCommand, LayerType, NodeType, PinType } from "@flow-like/effect/api/BoardCommands"
import { describe, expect, it } from "vitest"
import { type BoardContents, executeCommands } from "../src/internal/BoardEditor.ts"

const pin = (id: string, pinType: "Input" | "Output", dataType: PinType["dataType"] = "Execution", extra: Partial<PinType> = {}): PinType => ({
  id,
  name: id,
  friendlyName: id,
  description: "",
  pinType,
  dataType,
  valueType: "Normal",
  dependsOn: [],
  connectedTo: [],
  index: 1,
  ...extra
})
const node = (id: string, pins: ReadonlyArray<PinType>, extra: Partial<NodeType> = {}): NodeType => ({
  id,
  name: "n",
  friendlyName: id,
  description: "",
  category: "c",
  coordinates: [0, 0, 0],
  pins: Object.fromEntries(pins.map((entry) => [entry.id, entry])),
  ...extra
})
const layer = (id: string, extra: Partial<LayerType> = {}): LayerType => ({
  id,
  name: id,
  type: "Collapsed",
  nodes: {},
  variables: {},
  comments: {},
  coordinates: [0, 0, 0],
  pins: {},
  ...extra
})
const empty = (): BoardContents => ({ nodes: {}, comments: {}, layers: {}, variables: {} })
const run = (board: BoardContents, ...commands: ReadonlyArray<BoardCommand>) => executeCommands(board, commands)

describe("the dev server's board commands", () => {
  it("an execution output feeds one input at a time; a data output feeds many, each input reads one", () => {
    const board = empty()
    run(
      board,
      { commandType: "AddNode", node: node("a", [pin("a_x", "Output"), pin("a_d", "Output", "String")]) },
      { commandType: "AddNode", node: node("b", [pin("b_x", "Input"), pin("b_d", "Input", "String")]) },
      { commandType: "AddNode", node: node("c", [pin("c_x", "Input"), pin("c_d", "Input", "String")]) },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_x", toNode: "b", toPin: "b_x" },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_x", toNode: "c", toPin: "c_x" },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_d", toNode: "b", toPin: "b_d" },
      { commandType: "ConnectPin", fromNode: "a", fromPin: "a_d", toNode: "c", toPin: "c_d" }
    )
    expect(board.nodes["a"]?.pins["a_x"]?.connectedTo).toEqual(["c_x"])
    expect(board.nodes["b"]?.pins["b_x"]?.dependsOn).toEqual([])
    expect(board.nodes["c"]?.pins["c_x"]?.dependsOn).toEqual(["a_x"])
    expect(board.nodes["a"]?.pins["a_d"]?.connectedTo).toEqual(["b_d", "c_d"])
    const { executed, skipped } = run(board, { commandType: "RemoveNode", node: node("a", []), connectedNodes: [] })
    expect(executed[0]?.commandType === "RemoveNode" ? executed[0].connectedNodes.map((entry) => entry.id).sort() : []).toEqual(["b", "c"])
    expect(skipped).toEqual([])
    expect(board.nodes["c"]?.pins["c_d"]?.dependsOn).toEqual([])
  })

  it("a failing command changes nothing, comes back as sent, and the next one still runs", () => {
    const board = empty()
    run(board, { commandType: "AddNode", node: node("a", [pin("a_in", "Input")]) }, { commandType: "AddNode", node: node("b", [pin("b_in", "Input")]) })
    const wrongWay = { commandType: "ConnectPin", fromNode: "a", fromPin: "a_in", toNode: "b", toPin: "b_in" } as const
    const { executed, skipped } = run(board, wrongWay, { commandType: "MoveNode", nodeId: "ghost", toCoordinates: [1, 1, 0] }, {
      commandType: "MoveNode",
      nodeId: "a",
      toCoordinates: [7, 8, 0]
    })
    expect(skipped).toEqual(["Cannot connect an input pin", "Node: ghost not found"])
    expect(executed[0]).toBe(wrongWay)
    expect(board.nodes["a"]?.pins["a_in"]?.connectedTo).toEqual([])
    expect(board.nodes["a"]?.coordinates).toEqual([7, 8, 0])
  })

  it("layers: moving one moves what it holds; removing one takes its nested layers and nodes, or hands them up", () => {
    const board = empty()
    run(
      board,
      { commandType: "AddNode", node: node("a", [], { coordinates: [10, 0, 0] }) },
      { commandType: "AddNode", node: node("b", [], { coordinates: [30, 0, 0] }) },
      { commandType: "UpsertLayer", layer: layer("outer"), nodeIds: ["a"] },
      { commandType: "UpsertLayer", layer: layer("inner"), nodeIds: ["b"], currentLayer: "outer" }
    )
    expect(board.layers["inner"]?.parentId).toBe("outer")
    expect(board.layers["outer"]?.coordinates).toEqual([10, 0, 0])
    run(board, { commandType: "MoveNode", nodeId: "outer", toCoordinates: [15, 5, 0] })
    expect(board.nodes["a"]?.coordinates).toEqual([15, 5, 0])
    expect(board.layers["inner"]?.coordinates).toEqual([35, 5, 0])
    const kept = structuredClone(board)
    run(kept, { commandType: "RemoveLayer", layer: layer("outer"), layerNodes: [], childLayers: [], layers: [], nodes: [], preserveNodes: true })
    expect([kept.nodes["a"]?.layer, kept.layers["inner"]?.parentId, kept.layers["outer"]]).toEqual([undefined, undefined, undefined])
    const { executed } = run(board, { commandType: "RemoveLayer", layer: layer("outer"), layerNodes: [], childLayers: [], layers: [], nodes: [], preserveNodes: false })
    expect(Object.keys(board.layers)).toEqual([])
    expect(Object.keys(board.nodes)).toEqual([])
    expect(executed[0]?.commandType === "RemoveLayer" ? executed[0].nodes.map((entry) => entry.id).sort() : []).toEqual(["a", "b"])
  })

  it("copy-paste makes new ids, keeps connections inside the copy only, and moves the copy by the offset", () => {
    const board = empty()
    const a = node("a", [pin("a_x", "Output", "Execution", { connectedTo: ["b_x", "elsewhere"] })], { coordinates: [10, 10, 0] })
    const b = node("b", [pin("b_x", "Input", "Execution", { dependsOn: ["a_x"] })], { coordinates: [50, 10, 0] })
    const { executed } = run(board, {
      commandType: "CopyPaste",
      originalNodes: [a, b],
      originalComments: [],
      originalLayers: [],
      newComments: [],
      newNodes: [],
      newLayers: [],
      offset: [110, 10, 0]
    })
    const copies = executed[0]?.commandType === "CopyPaste" ? executed[0].newNodes : []
    expect(copies.map((entry) => entry.coordinates)).toEqual([[110, 10, 0], [150, 10, 0]])
    const [copyA, copyB] = copies
    const outPin = Object.values(copyA?.pins ?? {})[0]
    const inPin = Object.values(copyB?.pins ?? {})[0]
    expect([copyA?.id, outPin?.id]).not.toContain("a")
    expect(outPin?.connectedTo).toEqual([inPin?.id])
    expect(inPin?.dependsOn).toEqual([outPin?.id])
    expect(Object.keys(board.nodes).sort()).toEqual([copyA?.id, copyB?.id].sort())
  })
})
