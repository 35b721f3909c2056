// graphkit's interactive module graph: reads the JSON embedded in the page, draws it as SVG, and answers
// clicks and searches from that data alone. No library and no request: the page is one file.
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const modules = data.modules;
  const kinds = data.kinds;
  const BIG = 300; // above this many modules, folders start collapsed
  const SVGNS = "http://www.w3.org/2000/svg";

  const imports = modules.map(() => []);
  const importers = modules.map(() => []);
  for (const [s, t, k] of data.edges) {
    imports[s].push([t, k]);
    importers[t].push([s, k]);
  }
  const cycleOf = new Map();
  data.cycles.forEach((cycle, i) => cycle.forEach((m) => cycleOf.set(m, i)));
  const folderOf = (path) => (path.lastIndexOf("/") < 0 ? "" : path.slice(0, path.lastIndexOf("/")));
  const baseName = (path) => path.slice(path.lastIndexOf("/") + 1);
  const folders = new Set();
  for (const m of modules) {
    const parts = folderOf(m.path).split("/").filter(Boolean);
    parts.forEach((_, i) => folders.add(parts.slice(0, i + 1).join("/")));
  }

  const state = {
    open: new Set(modules.length <= BIG ? folders : []),
    hiddenKinds: new Set(),
    folderFilter: "",
    selected: null, // module index
    transform: { x: 20, y: 20, k: 1 },
  };

  // ---- page skeleton -------------------------------------------------------------------------------
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  const search = el("input", { id: "search", type: "search", placeholder: "find a module by file name" });
  const results = el("div", { id: "results", hidden: "" });
  const folderInput = el("input", { id: "folder-filter", type: "search", placeholder: "only this folder" });
  const fitButton = el("button", { id: "fit", type: "button", title: "show the whole drawing" }, "fit");
  const foldButton = el("button", { id: "fold", type: "button", title: "close every folder" }, "fold");
  const header = el("header", {}, el("h1", {}, data.title), search, results, folderInput, fitButton, foldButton);
  const presentKinds = new Set(data.edges.map((e) => e[2]));
  kinds.forEach((kind, i) => {
    if (!presentKinds.has(i)) return;
    const box = el("input", { type: "checkbox", "data-kind": kind, checked: "" });
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenKinds.delete(i);
      else state.hiddenKinds.add(i);
      render();
    });
    header.append(el("label", {}, box, ` ${kind}`));
  });
  const canvas = el("div", { id: "canvas" });
  const svg = document.createElementNS(SVGNS, "svg");
  const viewport = document.createElementNS(SVGNS, "g");
  svg.append(viewport);
  canvas.append(svg);
  const panel = el("aside", { id: "panel" });
  document.body.append(header, canvas, panel);

  // ---- what is drawn: modules, or the folder that stands for them while it is closed ---------------
  function shownAs(i) {
    const parts = folderOf(modules[i].path).split("/").filter(Boolean);
    let prefix = "";
    for (const part of parts) {
      prefix = prefix ? `${prefix}/${part}` : part;
      if (!state.open.has(prefix)) return `f:${prefix}`;
    }
    return `m:${i}`;
  }

  function visibleGraph() {
    const nodes = new Map();
    const rep = modules.map((m, i) => {
      if (state.folderFilter && !m.path.startsWith(state.folderFilter)) return null;
      const key = shownAs(i);
      if (!nodes.has(key)) nodes.set(key, { key, members: [] });
      nodes.get(key).members.push(i);
      return key;
    });
    const edges = new Map();
    for (const [s, t, k] of data.edges) {
      if (state.hiddenKinds.has(k) || rep[s] === null || rep[t] === null || rep[s] === rep[t]) continue;
      const id = `${rep[s]}|${rep[t]}`;
      const cyclic = cycleOf.has(s) && cycleOf.get(s) === cycleOf.get(t) && kinds[k] !== "dynamic";
      const edge = edges.get(id);
      if (!edge) edges.set(id, { a: rep[s], b: rep[t], kind: k, cyclic, pairs: [[s, t]] });
      else {
        edge.kind = Math.min(edge.kind, k);
        edge.cyclic ||= cyclic;
        edge.pairs.push([s, t]);
      }
    }
    return { nodes, edges: [...edges.values()] };
  }

  // Layers from importers (left) to what they import (right); a cycle is broken where it stalls.
  function layout(nodes, edges) {
    const succ = new Map([...nodes.keys()].map((k) => [k, []]));
    const indeg = new Map([...nodes.keys()].map((k) => [k, 0]));
    for (const e of edges) {
      succ.get(e.a).push(e.b);
      indeg.set(e.b, indeg.get(e.b) + 1);
    }
    const rank = new Map();
    const done = new Set();
    const keys = [...nodes.keys()].sort();
    let queue = keys.filter((k) => indeg.get(k) === 0);
    for (const k of keys) rank.set(k, 0);
    while (done.size < keys.length) {
      if (!queue.length) {
        let best = null;
        for (const k of keys) if (!done.has(k) && (best === null || indeg.get(k) < indeg.get(best))) best = k;
        queue = [best];
      }
      const next = [];
      for (const k of queue) {
        if (done.has(k)) continue;
        done.add(k);
        for (const t of succ.get(k)) {
          if (done.has(t)) continue;
          rank.set(t, Math.max(rank.get(t), rank.get(k) + 1));
          indeg.set(t, indeg.get(t) - 1);
          if (indeg.get(t) === 0) next.push(t);
        }
      }
      queue = next;
    }
    const columns = [];
    for (const k of keys) (columns[rank.get(k)] ||= []).push(k);
    const positions = new Map();
    let x = 0;
    for (const column of columns) {
      if (!column) continue;
      column.sort((a, b) => sortKey(nodes.get(a)).localeCompare(sortKey(nodes.get(b))));
      const width = Math.max(...column.map((k) => label(nodes.get(k)).length)) * 6.6 + 24;
      // Columns centred on one line, so the short ones sit beside the middle of the long ones.
      column.forEach((k, i) => {
        positions.set(k, { x, y: (i - column.length / 2) * 30, w: label(nodes.get(k)).length * 6.6 + 16 });
      });
      x += width + 70;
    }
    return positions;
  }

  const isFolder = (node) => node.key.startsWith("f:");
  const sortKey = (node) => (isFolder(node) ? node.key.slice(2) + "/" : modules[node.members[0]].path);
  function label(node) {
    if (isFolder(node)) return `${baseName(node.key.slice(2))}/ (${node.members.length})`;
    return baseName(modules[node.members[0]].path);
  }

  // ---- drawing ------------------------------------------------------------------------------------
  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  let drawn = { nodes: new Map(), positions: new Map() };

  function render() {
    const { nodes, edges } = visibleGraph();
    const positions = layout(nodes, edges);
    const roles = planRoles();
    viewport.replaceChildren();
    const edgeLayer = svgEl("g", { class: "edges" });
    viewport.append(edgeLayer);
    for (const e of edges) {
      const a = positions.get(e.a);
      const b = positions.get(e.b);
      const x1 = a.x + a.w;
      const y1 = a.y + 10;
      const x2 = b.x;
      const y2 = b.y + 10;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      const onPath = e.pairs.some(([s, t]) => roles.via.get(s) === t);
      const classes = ["edge", kinds[e.kind], e.cyclic ? "cyclic" : "", onPath ? "path" : ""];
      edgeLayer.append(
        svgEl("path", {
          class: classes.join(" ").trim(),
          d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
          "marker-end": "url(#arrow)",
        }),
      );
    }
    for (const [key, node] of nodes) {
      const p = positions.get(key);
      const classes = ["node", isFolder(node) ? "folder" : modules[node.members[0]].kind];
      if (node.members.some((m) => cycleOf.has(m))) classes.push("cyclic");
      const role = node.members.map((m) => roles.role.get(m)).find(Boolean);
      if (role) classes.push(role);
      if (!isFolder(node) && node.members[0] === state.selected) classes.push("selected");
      const g = svgEl("g", { class: classes.join(" "), transform: `translate(${p.x},${p.y})`, "data-key": key });
      g.setAttribute(isFolder(node) ? "data-folder" : "data-path", isFolder(node) ? key.slice(2) : sortKey(node));
      const title = svgEl("title", {});
      title.textContent = isFolder(node) ? `${key.slice(2)}/: click to open` : sortKey(node);
      g.append(title, svgEl("rect", { width: p.w, height: 20 }));
      const text = svgEl("text", { x: 8, y: 14 });
      text.textContent = label(node);
      g.append(text);
      g.addEventListener("click", (event) => {
        event.stopPropagation();
        if (isFolder(node)) {
          state.open.add(key.slice(2));
          render();
        } else select(node.members[0]);
      });
      viewport.append(g);
    }
    drawn = { nodes, positions };
    applyTransform();
  }

  const defs = svgEl("defs", {});
  const marker = svgEl("marker", {
    id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto",
  });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#94a3b8" }));
  defs.append(marker);
  svg.prepend(defs);

  // ---- a module's plan: roles of modules and the import each eviction went through -----------------
  function planRoles() {
    const role = new Map();
    const via = new Map();
    if (state.selected === null) return { role, via };
    const plan = modules[state.selected].plan;
    for (const [m, v] of plan.evict) {
      role.set(m, "evicted");
      if (v >= 0) via.set(m, v);
    }
    for (const [m] of plan.boundaries) role.set(m, "boundary");
    role.set(state.selected, "changed");
    return { role, via };
  }

  // ---- the side panel ------------------------------------------------------------------------------
  function item(i, note) {
    const li = el("li", { "data-index": String(i) }, modules[i].path);
    if (note) li.append(el("span", { class: "muted" }, ` ${note}`));
    li.addEventListener("click", () => select(i));
    return li;
  }

  const BOUNDARY = { "dynamic-import": "keeps running: its next import() gets the new module", accepts: "accepts the update: its importers are kept" };

  function showPanel() {
    panel.replaceChildren();
    if (state.selected !== null) {
      const i = state.selected;
      const m = modules[i];
      const plan = m.plan;
      panel.append(el("h2", { id: "module-path" }, m.path), el("div", { class: "muted" }, m.kind));
      panel.append(el("h2", {}, `Imported by ${importers[i].length}`));
      panel.append(el("ul", { id: "importers" }, ...importers[i].map(([s, k]) => item(s, kinds[k]))));
      panel.append(el("h2", {}, `Imports ${imports[i].length}`));
      panel.append(el("ul", { id: "imports" }, ...imports[i].map(([t, k]) => item(t, kinds[k]))));
      const section = el("section", { id: "plan" });
      section.append(el("h2", {}, "A change to it"));
      const line = `${plan.status}: evicts ${plan.evicted} module${plan.evicted === 1 ? "" : "s"}, keeps ${plan.kept}`;
      section.append(el("div", { id: "plan-line" }, line + (plan.reason ? ` (${plan.reason})` : "")));
      const evicted = plan.evict.map(([e, v]) => item(e, e === i ? "changed" : v >= 0 ? `imports ${modules[v].path}` : ""));
      section.append(el("ol", { id: "evicted" }, ...evicted));
      if (plan.evicted > plan.evict.length) section.append(el("div", { class: "muted" }, `and ${plan.evicted - plan.evict.length} more`));
      if (plan.boundaries.length) {
        section.append(el("h2", {}, "Boundaries"));
        section.append(el("ul", {}, ...plan.boundaries.map(([b, reason]) => item(b, BOUNDARY[reason] || reason))));
      }
      panel.append(section);
    } else {
      panel.append(el("p", { class: "muted" }, "Click a module to see its importers, its imports and what a change to it would evict; click a folder to open it."));
    }
    panel.append(el("h2", {}, `Cycles ${data.cycles.length}`));
    const list = el("ul", { id: "cycles" });
    for (const cycle of data.cycles) {
      const li = el("li", {}, cycle.map((m) => modules[m].path).join(" → "));
      li.addEventListener("click", () => select(cycle[0]));
      list.append(li);
    }
    panel.append(list);
  }

  function select(i) {
    const parts = folderOf(modules[i].path).split("/").filter(Boolean);
    parts.forEach((_, j) => state.open.add(parts.slice(0, j + 1).join("/")));
    if (state.folderFilter && !modules[i].path.startsWith(state.folderFilter)) {
      state.folderFilter = folderInput.value = "";
    }
    state.selected = i;
    render();
    showPanel();
    state.transform.k = Math.max(state.transform.k, 1); // close enough to read the names around it
    centre(`m:${i}`);
  }

  // ---- search --------------------------------------------------------------------------------------
  function matches(query) {
    const q = query.toLowerCase();
    const byName = [];
    const byPath = [];
    modules.forEach((m, i) => {
      if (baseName(m.path).toLowerCase().includes(q)) byName.push(i);
      else if (m.path.toLowerCase().includes(q)) byPath.push(i);
    });
    return [...byName, ...byPath].slice(0, 50);
  }
  search.addEventListener("input", () => {
    const found = search.value ? matches(search.value) : [];
    results.replaceChildren(...found.map((i) => {
      const row = el("div", { "data-index": String(i) }, modules[i].path);
      row.addEventListener("click", () => { results.hidden = true; select(i); });
      return row;
    }));
    results.hidden = found.length === 0;
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const found = matches(search.value);
    results.hidden = true;
    if (found.length) select(found[0]);
  });
  folderInput.addEventListener("change", () => {
    state.folderFilter = folderInput.value.replace(/^\/+/, "");
    render();
  });

  // ---- pan and zoom --------------------------------------------------------------------------------
  function applyTransform() {
    const { x, y, k } = state.transform;
    viewport.setAttribute("transform", `translate(${x},${y}) scale(${k})`);
  }
  function centre(key) {
    const p = drawn.positions.get(key);
    if (!p) return;
    const box = canvas.getBoundingClientRect();
    state.transform.x = box.width / 2 - (p.x + p.w / 2) * state.transform.k;
    state.transform.y = box.height / 2 - (p.y + 10) * state.transform.k;
    applyTransform();
  }
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = canvas.getBoundingClientRect();
    const factor = Math.exp(-event.deltaY * 0.0015);
    const t = state.transform;
    const k = Math.min(4, Math.max(0.05, t.k * factor));
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    t.x = px - ((px - t.x) * k) / t.k;
    t.y = py - ((py - t.y) * k) / t.k;
    t.k = k;
    applyTransform();
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("mousedown", (event) => {
    drag = { x: event.clientX - state.transform.x, y: event.clientY - state.transform.y };
  });
  window.addEventListener("mousemove", (event) => {
    if (!drag) return;
    state.transform.x = event.clientX - drag.x;
    state.transform.y = event.clientY - drag.y;
    applyTransform();
  });
  window.addEventListener("mouseup", () => { drag = null; });

  function fit() {
    const bounds = viewport.getBBox();
    const box = canvas.getBoundingClientRect();
    if (bounds.width === 0 || box.width === 0) return;
    const k = Math.min(1, (box.width - 40) / bounds.width, (box.height - 40) / bounds.height);
    state.transform = { x: 20 - bounds.x * k, y: 20 - bounds.y * k, k: Math.max(k, 0.05) };
    applyTransform();
  }
  fitButton.addEventListener("click", fit);
  foldButton.addEventListener("click", () => {
    state.open.clear();
    render();
    fit();
  });

  render();
  showPanel();
  fit();
})();
