/**
 * The dev server's board commands, after `packages/core/src/flow/board/commands/**` (execute
 * only): each command changes the board's nodes, comments, layers or variables and comes back as
 * executed (with what it replaced). Like `Board::execute_commands`, a command that fails is
 * skipped and returned unchanged. Not modelled: the node registry (wasm metadata, blueprints on
 * paste), hashes, fn-ref validation and the board's cleanup pass.
 */
import type { BoardCommand, CommentType, LayerType, NodeType, PinType } from "@flow-like/effect/api/BoardCommands"
import type { Variable } from "@flow-like/effect/api/WorkflowsApi"
import { cuid } from "./Ids.ts"

type Coordinates = readonly [number, number, number]

/** What commands change, in code's shape (encoded when the board is answered). */
export interface BoardContents {
  readonly nodes: Record<string, NodeType>
  readonly comments: Record<string, CommentType>
  readonly layers: Record<string, LayerType>
  readonly variables: Record<string, typeof Variable.Type>
}

type Of<Tag extends BoardCommand["commandType"]> = Extract<BoardCommand, { readonly commandType: Tag }>

/** A command's failure, as the server's `anyhow!` text (logged there, not answered). */
class Skipped extends Error {}

const fail = (message: string): never => {
  throw new Skipped(message)
}

const add = (a: Coordinates, b: Coordinates): Coordinates => [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
const sub = (a: Coordinates, b: Coordinates): Coordinates => [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
const sorted = (ids: Iterable<string>): ReadonlyArray<string> => [...new Set(ids)].sort()

/** A node or layer that holds pins, by id. */
const pinHolder = (board: BoardContents, id: string) => board.nodes[id] ?? board.layers[id] ?? fail(`Entity (${id}) not found`)

const replaceHolder = (board: BoardContents, holder: NodeType | LayerType) => {
  if (board.nodes[holder.id] !== undefined) board.nodes[holder.id] = holder as NodeType
  else board.layers[holder.id] = holder as LayerType
}

const withPin = <H extends NodeType | LayerType>(holder: H, pin: PinType): H => ({ ...holder, pins: { ...holder.pins, [pin.id]: pin } })

/** `connect_pins` (`pins/connect_pins.rs`). */
const connect = (board: BoardContents, command: Of<"ConnectPin">) => {
  if (command.fromNode === command.toNode) fail("Cannot connect a node to itself")
  if (command.fromPin === command.toPin) fail("Cannot connect a pin to itself")
  const from = pinHolder(board, command.fromNode)
  const to = pinHolder(board, command.toNode)
  const fromPin = from.pins[command.fromPin] ?? fail(`From Pin (${command.fromPin}) not found in container`)
  const toPin = to.pins[command.toPin] ?? fail(`To Pin (${command.toPin}) not found in container`)
  const fromIsLayer = board.layers[from.id] !== undefined
  const toIsLayer = board.layers[to.id] !== undefined
  if (fromPin.pinType === "Input" && !fromIsLayer) fail("Cannot connect an input pin")
  if (toPin.pinType === "Output" && !toIsLayer) fail("Cannot connect an output pin")
  let dependsOn: ReadonlyArray<string>
  let connectedTo: ReadonlyArray<string>
  if (fromPin.dataType === "Execution") {
    connectedTo = [toPin.id]
    for (const holder of [...Object.values(board.nodes), ...Object.values(board.layers)]) {
      const pins = Object.values(holder.pins).filter((pin) => pin.dependsOn.includes(fromPin.id))
      let changed: NodeType | LayerType = holder
      for (const pin of pins) changed = withPin(changed, { ...pin, dependsOn: pin.dependsOn.filter((id) => id !== fromPin.id) })
      if (changed !== holder) replaceHolder(board, changed)
    }
    dependsOn = sorted([...toPin.dependsOn.filter((id) => id !== fromPin.id), fromPin.id])
  } else {
    connectedTo = sorted([...fromPin.connectedTo, toPin.id])
    dependsOn = [fromPin.id]
  }
  replaceHolder(board, withPin(pinHolder(board, from.id), { ...fromPin, connectedTo }))
  const target = pinHolder(board, to.id)
  replaceHolder(board, withPin(target, { ...(target.pins[toPin.id] ?? toPin), dependsOn }))
}

/** `disconnect_pins` (`pins/disconnect_pins.rs`): both pins forget each other. */
const disconnect = (board: BoardContents, command: Of<"DisconnectPin">) => {
  const from = board.nodes[command.fromNode] ?? fail(`From Node: ${command.fromNode} not found`)
  const fromPin = from.pins[command.fromPin] ?? fail(`From Pin: ${command.fromPin} not found`)
  board.nodes[from.id] = withPin(from, { ...fromPin, connectedTo: fromPin.connectedTo.filter((id) => id !== command.toPin) })
  const to = board.nodes[command.toNode] ?? fail(`To Node: ${command.toNode} not found`)
  const toPin = to.pins[command.toPin] ?? fail(`To Pin: ${command.toPin} not found`)
  board.nodes[to.id] = withPin(to, { ...toPin, dependsOn: toPin.dependsOn.filter((id) => id !== command.fromPin) })
}

/** `RemoveNodeCommand`: the node goes, and the other nodes' pins forget its pins. */
const removeNode = (board: BoardContents, command: Of<"RemoveNode">): Of<"RemoveNode"> => {
  const node = board.nodes[command.node.id] ?? fail("Node not found")
  const own = new Set(Object.keys(node.pins))
  const connected: Array<NodeType> = []
  delete board.nodes[node.id]
  for (const other of Object.values(board.nodes)) {
    const touches = Object.values(other.pins).some((pin) => pin.connectedTo.some((id) => own.has(id)) || pin.dependsOn.some((id) => own.has(id)))
    const referenced = other.fnRefs?.fnRefs.includes(node.id) === true
    if (!touches && !referenced) continue
    connected.push(other)
    const pins = Object.fromEntries(Object.entries(other.pins).map(([id, pin]) => [id, {
      ...pin,
      connectedTo: pin.connectedTo.filter((pinId) => !own.has(pinId)),
      dependsOn: pin.dependsOn.filter((pinId) => !own.has(pinId))
    }]))
    board.nodes[other.id] = {
      ...other,
      pins,
      ...(other.fnRefs === undefined ? {} : { fnRefs: { ...other.fnRefs, fnRefs: other.fnRefs.fnRefs.filter((id) => id !== node.id) } })
    }
  }
  return { ...command, connectedNodes: connected }
}

/** `MoveNodeCommand`: a layer's `-input`/`-return` node, a layer (and what it holds), a comment or a node. */
const moveNode = (board: BoardContents, command: Of<"MoveNode">): Of<"MoveNode"> => {
  const to = command.toCoordinates
  for (const [suffix, key] of [["-input", "inCoordinates"], ["-return", "outCoordinates"]] as const) {
    if (!command.nodeId.endsWith(suffix)) continue
    const id = command.nodeId.slice(0, -suffix.length)
    const layer = board.layers[id] ?? fail(`Layer with id ${id} not found`)
    board.layers[id] = { ...layer, [key]: to }
    return { ...command, fromCoordinates: layer[key] }
  }
  const layer = board.layers[command.nodeId]
  if (layer !== undefined) {
    const offset = sub(to, layer.coordinates)
    board.layers[layer.id] = { ...layer, coordinates: to }
    const shift = (layerId: string) => {
      for (const node of Object.values(board.nodes)) {
        if (node.layer === layerId && node.coordinates !== undefined) board.nodes[node.id] = { ...node, coordinates: add(node.coordinates, offset) }
      }
      for (const comment of Object.values(board.comments)) {
        if (comment.layer === layerId) board.comments[comment.id] = { ...comment, coordinates: add(comment.coordinates, offset) }
      }
      for (const child of Object.values(board.layers)) {
        if (child.parentId !== layerId) continue
        board.layers[child.id] = { ...child, coordinates: add(child.coordinates, offset) }
        shift(child.id)
      }
    }
    shift(layer.id)
    return { ...command, fromCoordinates: layer.coordinates }
  }
  const comment = board.comments[command.nodeId]
  if (comment !== undefined) {
    board.comments[comment.id] = { ...comment, coordinates: to }
    return { ...command, fromCoordinates: comment.coordinates }
  }
  const node = board.nodes[command.nodeId] ?? fail(`Node: ${command.nodeId} not found`)
  const current = command.currentLayer ?? ""
  if ((node.layer ?? "") !== current) {
    const target = board.layers[current]
    if (target !== undefined) board.layers[current] = { ...target, nodes: { ...target.nodes, [node.id]: { ...(target.nodes[node.id] ?? node), coordinates: to } } }
  } else {
    board.nodes[node.id] = { ...node, coordinates: to }
  }
  return { ...command, fromCoordinates: node.coordinates }
}

/** `UpsertPinCommand`: a known pin is replaced; a new one gets a new id and the next index of its kind. */
const upsertPin = (board: BoardContents, command: Of<"UpsertPin">): Of<"UpsertPin"> => {
  const node = board.nodes[command.nodeId] ?? fail("Node not found")
  const old = node.pins[command.pin.id]
  if (old !== undefined) {
    board.nodes[node.id] = withPin(node, command.pin)
    return { ...command, oldPin: old }
  }
  const index = Object.values(node.pins).filter((pin) => pin.pinType === command.pin.pinType).length + 1
  const pin = { ...command.pin, id: cuid(), index }
  board.nodes[node.id] = withPin(node, pin)
  return { ...command, pin }
}

/** `UpsertLayerCommand`: the layer under `currentLayer`, the listed items moved into it; a new layer sits at their centre. */
const upsertLayer = (board: BoardContents, command: Of<"UpsertLayer">): Of<"UpsertLayer"> => {
  const ids = new Set(command.nodeIds)
  const old = board.layers[command.layer.id]
  let layer: LayerType = { ...command.layer, ...(command.currentLayer === undefined ? { parentId: undefined } : { parentId: command.currentLayer }) }
  board.layers[layer.id] = layer
  let total: Coordinates = [0, 0, 0]
  let count = 0
  const include = (coordinates: Coordinates) => {
    total = add(total, coordinates)
    count += 1
  }
  for (const node of Object.values(board.nodes)) {
    if (!ids.has(node.id)) continue
    board.nodes[node.id] = { ...node, layer: layer.id }
    include(node.coordinates ?? [0, 0, 0])
  }
  for (const comment of Object.values(board.comments)) {
    if (!ids.has(comment.id)) continue
    board.comments[comment.id] = { ...comment, layer: layer.id }
    include(comment.coordinates)
  }
  for (const other of Object.values(board.layers)) {
    if (!ids.has(other.id)) continue
    board.layers[other.id] = { ...other, parentId: layer.id }
    include(other.coordinates)
  }
  if (old === undefined) {
    layer = { ...layer, coordinates: [total[0] / count, total[1] / count, total[2] / count] }
    board.layers[layer.id] = layer
  }
  return { ...command, layer, ...(old === undefined ? {} : { oldLayer: old }) }
}

/** `RemoveLayerCommand`: with `preserveNodes` the contents move to the layer's parent, otherwise they go with it. */
const removeLayer = (board: BoardContents, command: Of<"RemoveLayer">): Of<"RemoveLayer"> => {
  const target = command.layer.id
  if (command.preserveNodes) {
    const parent = command.layer.parentId
    const moved: Array<string> = []
    const children: Array<string> = []
    for (const node of Object.values(board.nodes)) {
      if (node.layer === target) (board.nodes[node.id] = { ...node, layer: parent }), moved.push(node.id)
    }
    for (const comment of Object.values(board.comments)) {
      if (comment.layer === target) (board.comments[comment.id] = { ...comment, layer: parent }), moved.push(comment.id)
    }
    for (const layer of Object.values(board.layers)) {
      if (layer.parentId === target) (board.layers[layer.id] = { ...layer, parentId: parent }), children.push(layer.id)
    }
    delete board.layers[target]
    return { ...command, layerNodes: sorted([...command.layerNodes, ...moved]), childLayers: sorted([...command.childLayers, ...children]) }
  }
  const removed = new Set<string>()
  const layers: Array<LayerType> = [...command.layers]
  const visit = [target]
  while (visit.length > 0) {
    const id = visit.pop() as string
    const layer = board.layers[id]
    if (layer === undefined) continue
    visit.push(...Object.values(board.layers).filter((child) => child.parentId === id).map((child) => child.id))
    delete board.layers[id]
    layers.push(layer)
    removed.add(id)
  }
  const nodes: Array<NodeType> = [...command.nodes]
  for (const node of Object.values(board.nodes)) {
    if (node.layer !== undefined && removed.has(node.layer)) (delete board.nodes[node.id]), nodes.push(node)
  }
  return { ...command, layers, nodes }
}

/** `CopyPasteCommand`: copies under new ids (pins too, connections kept inside the copy), moved by the offset, into `currentLayer`. */
const copyPaste = (board: BoardContents, command: Of<"CopyPaste">): Of<"CopyPaste"> => {
  let offset: Coordinates = command.offset
  const firstComment = command.originalComments[0]
  if (firstComment !== undefined) offset = sub(command.offset, firstComment.coordinates)
  const firstNode = command.originalNodes[0]
  if (firstNode !== undefined) offset = sub(offset, firstNode.coordinates ?? [0, 0, 0])
  if (command.oldMouse !== undefined) offset = sub(command.offset, command.oldMouse)
  const ids = new Map<string, string>()
  const renamed = (id: string) => ids.get(id) ?? id
  const layerIds = new Map(command.originalLayers.map((layer) => [layer.id, cuid()]))
  const placed = (layer: string | undefined) =>
    layer === undefined || layer === "" ? command.currentLayer : layerIds.get(layer) ?? layer
  const newPins = (pins: Readonly<Record<string, PinType>>) => {
    for (const id of Object.keys(pins)) ids.set(id, cuid())
    return pins
  }
  const layerPins = command.originalLayers.map((layer) => newPins(layer.pins))
  const nodePins = command.originalNodes.map((node) => newPins(node.pins))
  const rewire = (pins: Readonly<Record<string, PinType>>) =>
    Object.fromEntries(Object.values(pins).map((pin) => {
      const id = renamed(pin.id)
      return [id, {
        ...pin,
        id,
        connectedTo: sorted(pin.connectedTo.filter((other) => ids.has(other)).map(renamed)),
        dependsOn: sorted(pin.dependsOn.filter((other) => ids.has(other)).map(renamed))
      }]
    }))
  const newLayers = command.originalLayers.map((layer, index): LayerType => ({
    ...layer,
    id: layerIds.get(layer.id) as string,
    parentId: placed(layer.parentId),
    coordinates: add(layer.coordinates, offset),
    pins: rewire(layerPins[index] ?? {})
  }))
  const newComments = command.originalComments.map((comment): CommentType => ({
    ...comment,
    id: cuid(),
    layer: placed(comment.layer),
    coordinates: add(comment.coordinates, offset)
  }))
  const newNodes = command.originalNodes.map((node, index): NodeType => ({
    ...node,
    id: cuid(),
    layer: placed(node.layer),
    coordinates: add(node.coordinates ?? [0, 0, 0], offset),
    pins: rewire(nodePins[index] ?? {})
  }))
  for (const layer of newLayers) board.layers[layer.id] = layer
  for (const comment of newComments) board.comments[comment.id] = comment
  for (const node of newNodes) board.nodes[node.id] = node
  return { ...command, newLayers, newComments, newNodes }
}

const execute = (board: BoardContents, command: BoardCommand): BoardCommand => {
  switch (command.commandType) {
    case "RemoveComment":
      delete board.comments[command.comment.id]
      return command
    case "UpsertComment": {
      const comment = { ...command.comment, layer: command.currentLayer }
      const old = board.comments[comment.id]
      board.comments[comment.id] = comment
      return { ...command, comment, ...(old === undefined ? {} : { oldComment: old }) }
    }
    case "AddNode": {
      const node: NodeType = { ...command.node, layer: command.currentLayer, wasm: undefined }
      board.nodes[node.id] = node
      return { ...command, node }
    }
    case "CopyPaste":
      return copyPaste(board, command)
    case "MoveNode":
      return moveNode(board, command)
    case "RemoveNode":
      return removeNode(board, command)
    case "UpdateNode": {
      const old = board.nodes[command.node.id]
      board.nodes[command.node.id] = command.node
      return { ...command, oldNode: old }
    }
    case "ConnectPin":
      connect(board, command)
      return command
    case "DisconnectPin":
      disconnect(board, command)
      return command
    case "UpsertPin":
      return upsertPin(board, command)
    case "RemoveVariable":
      delete board.variables[command.variable.id]
      return command
    case "UpsertVariable": {
      const old = board.variables[command.variable.id]
      board.variables[command.variable.id] = command.variable
      return { ...command, oldVariable: old }
    }
    case "UpsertLayer":
      return upsertLayer(board, command)
    case "RemoveLayer":
      return removeLayer(board, command)
  }
}

/**
 * Applies the commands in order; a failing one changes nothing and comes back as sent. Returns the
 * commands as executed and the failures' messages (the server only logs them).
 */
export const executeCommands = (
  board: BoardContents,
  commands: ReadonlyArray<BoardCommand>
): { readonly executed: ReadonlyArray<BoardCommand>; readonly skipped: ReadonlyArray<string> } => {
  const skipped: Array<string> = []
  const executed = commands.map((command) => {
    const snapshot = { nodes: { ...board.nodes }, comments: { ...board.comments }, layers: { ...board.layers }, variables: { ...board.variables } }
    try {
      return execute(board, command)
    } catch (error) {
      if (!(error instanceof Skipped)) throw error
      for (const key of ["nodes", "comments", "layers", "variables"] as const) {
        const target = board[key] as Record<string, unknown>
        for (const id of Object.keys(target)) delete target[id]
        Object.assign(target, snapshot[key])
      }
      skipped.push(error.message)
      return command
    }
  })
  return { executed, skipped }
}
