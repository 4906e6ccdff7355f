// The OCR.chat web page: upload, progress, the result beside its page image, downloads, chat.
// Plain DOM, no build step. The API token stays in localStorage and is sent only as a Bearer header.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "ocrchat.token";
const RECENT_KEY = "ocrchat.recent";
const RECENT_KEPT = 20;
const POLL_WAIT_SECONDS = 20;
const LOW_CONFIDENCE = 0.8;
const FINAL = ["done", "failed"];
const $ = (id) => document.getElementById(id);

const state = { job: null, page: 0, formats: [], imageUrl: null, polling: null, cited: null, chatMode: null };

// ---- the API

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(errorMessage(status, body, retryAfter));
    this.status = status;
  }
}

function errorMessage(status, body, retryAfter) {
  const detail = (body && body.detail) || `The service answered ${status}.`;
  const parts = [detail];
  if (status === 402 && body.used !== undefined) parts.push(`(used ${body.used} of ${body.cap})`);
  if (status === 429 && retryAfter) parts.push(`Try again in ${retryAfter} s.`);
  return parts.join(" ");
}

function authHeaders() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response.status, body, response.headers.get("Retry-After"));
  }
  return response;
}

const getJson = async (path, options) => (await call(path, options)).json();
const blobUrl = async (path) => URL.createObjectURL(await (await call(path)).blob());

// ---- messages

function showError(error) {
  const box = $("error");
  box.textContent = error.message;
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  if (text) node.textContent = text;
  return node;
}

// ---- the token and the caller's usage

function setupToken() {
  $("token").value = localStorage.getItem(TOKEN_KEY) || "";
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    token ? localStorage.setItem(TOKEN_KEY, token) : localStorage.removeItem(TOKEN_KEY);
    tokenChanged();
  });
  $("token-clear").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
    tokenChanged();
  });
}

function tokenChanged() {
  clearError();
  showUsage();
  showChatAvailability();
}

async function showUsage() {
  try {
    const usage = await getJson(`${API}/account/`);
    const who = usage.account ? `Plan ${usage.plan}` : "Anonymous";
    $("usage").textContent = `${who}: ${usage.used} of ${usage.cap} page credits used (${usage.balance} left${
      usage.period ? `, ${usage.period}` : ""}).`;
  } catch (error) {
    $("usage").textContent = error.message;
  }
}

// ---- the options: what this deployment serves

async function loadOptions() {
  const [capabilities, languages] = await Promise.all([
    getJson(`${API}/capabilities/`),
    getJson(`${API}/languages/`),
  ]);
  state.formats = capabilities.formats;
  fillTiers(capabilities.tiers);
  fillTools(capabilities.tools);
  fillLanguages(languages.languages);
  state.chatMode = capabilities.chat.mode;
  showChatAvailability();
}

function fillTiers(tiers) {
  Object.entries(tiers).forEach(([name, tier]) => {
    $("tier").append(optionFor(name, name, tier));
  });
  $("tier").value = "cpu";
}

function fillTools(tools) {
  Object.entries(tools).forEach(([slug, tool]) => {
    $("tool").append(optionFor(slug, slug, tool));
  });
  $("tool").addEventListener("change", () => {
    const chosen = tools[$("tool").value];
    $("tool-description").textContent = chosen ? chosen.description : "";
    $("translate-field").hidden = $("tool").value !== "translate";
  });
}

function optionFor(value, label, offer) {
  const option = element("option", { value }, offer.available ? label : `${label} (unavailable)`);
  if (!offer.available) {
    option.disabled = true;
    option.title = offer.reason || "Not available on this deployment.";
    const note = element("span", {}, `${value}: ${option.title}`);
    $("option-notes").append(note, element("br"));
  }
  return option;
}

function fillLanguages(languages) {
  const list = $("languages");
  list.append(element("option", { value: "auto" }, "auto: detect on each page"));
  languages.forEach((language) => {
    list.append(element("option", { value: language.code }, `${language.name} (${language.script})`));
  });
}

// ---- upload

function setupUpload() {
  const drop = $("drop");
  ["dragenter", "dragover"].forEach((name) =>
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    }),
  );
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    $("file").files = event.dataTransfer.files;
    showFileName();
  });
  $("file").addEventListener("change", showFileName);
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  $("cancel").addEventListener("click", cancel);
}

function showFileName() {
  const file = $("file").files[0];
  $("file-name").textContent = file ? `${file.name} (${Math.ceil(file.size / 1024)} KB)` : "";
}

function uploadForm() {
  const form = new FormData();
  form.append("file", $("file").files[0]);
  ["tier", "language", "tool", "translate_to", "pages"].forEach((name) => {
    const value = $(name).value.trim();
    if (value && !(name === "translate_to" && $("tool").value !== "translate")) form.append(name, value);
  });
  if ($("force_ocr").checked) form.append("force_ocr", "true");
  return form;
}

async function submit() {
  clearError();
  if (!$("file").files.length) return showError(new Error("Choose a file first."));
  $("submit").disabled = true;
  try {
    const job = await getJson(`${API}/ocr/`, { method: "POST", body: uploadForm() });
    remember(job);
    await follow(job);
  } catch (error) {
    showError(error);
  } finally {
    $("submit").disabled = false;
    showUsage();
  }
}

// ---- progress

async function follow(job) {
  state.polling = job.uuid;
  while (!FINAL.includes(job.status) && state.polling === job.uuid) {
    showProgress(job);
    job = await getJson(`${API}/ocr/${job.uuid}/?wait=${POLL_WAIT_SECONDS}`);
  }
  $("progress").hidden = true;
  if (state.polling === job.uuid) showJob(job);
}

function showProgress(job) {
  $("progress").hidden = false;
  $("progress-bar").max = job.page_count || 1;
  $("progress-bar").value = job.pages_done + job.pages_failed;
  $("progress-text").textContent = `${job.filename}: ${job.status}, ${job.pages_done} of ${job.page_count} pages done`;
}

async function cancel() {
  const uuid = state.polling;
  if (!uuid) return;
  try {
    await call(`${API}/ocr/${uuid}/`, { method: "DELETE" });
  } catch (error) {
    showError(error);
  }
}

// ---- the result

function showJob(job) {
  state.job = job;
  state.polling = null;
  remember(job);
  $("result").hidden = false;
  if (job.status === "failed" && !job.pages_done) showError(new Error(`The job failed: ${job.error}`));
  $("summary").textContent = summaryOf(job);
  showDownloads(job);
  fillPageSelect(job.pages);
  $("chat-log").replaceChildren();
  showChatAvailability();
  clearPage();
  showPage(0);
}

function summaryOf(job) {
  const confidence = job.mean_confidence == null ? "" : `, mean confidence ${job.mean_confidence.toFixed(2)}`;
  const failed = job.pages_failed ? `, ${job.pages_failed} failed` : "";
  const error = job.error ? ` (${job.error})` : "";
  const expiry = job.expires_at ? ` Kept until ${new Date(job.expires_at).toLocaleString()}.` : "";
  const counts = `${job.pages_done} of ${job.page_count} pages read${failed}${confidence}`;
  return `${job.filename}: ${job.status}${error}, ${counts}.${expiry}`;
}

function showDownloads(job) {
  const links = state.formats.map((format) => {
    const button = element("button", { type: "button", "data-format": format }, format);
    button.addEventListener("click", () => download(job, format));
    return button;
  });
  $("downloads").replaceChildren(element("span", {}, "Download:"), ...links);
}

async function download(job, format) {
  try {
    const response = await call(`${API}/ocr/${job.uuid}/download/?format=${format}`);
    const link = element("a", { href: URL.createObjectURL(await response.blob()), download: fileName(response, format) });
    link.click();
  } catch (error) {
    showError(error);
  }
}

function fileName(response, format) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = disposition.match(/filename="?([^";]+)"?/);
  return match ? match[1] : `document.${format}`;
}

function fillPageSelect(pages) {
  const options = pages.map((page, position) => element("option", { value: position }, `${page.index + 1}`));
  $("page-select").replaceChildren(...options);
}

function setupPager() {
  $("prev").addEventListener("click", () => showPage(state.page - 1));
  $("next").addEventListener("click", () => showPage(state.page + 1));
  $("page-select").addEventListener("change", () => showPage(Number($("page-select").value)));
  $("show-regions").addEventListener("change", () => drawBoxes(currentPage()));
  window.addEventListener("resize", () => drawBoxes(currentPage()));
}

const currentPage = () => state.job && state.job.pages[state.page];

async function showPage(position, citedSnippet = null) {
  const pages = state.job.pages;
  if (position < 0 || position >= pages.length) return;
  state.page = position;
  state.cited = citedSnippet;
  $("page-select").value = position;
  $("prev").disabled = position === 0;
  $("next").disabled = position === pages.length - 1;
  clearPage();
  showTexts(pages[position]);
  await showImage(pages[position]);
}

function clearPage() {
  if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
  state.imageUrl = null;
  $("page-image").removeAttribute("src");
  $("boxes").replaceChildren();
  ["view-text", "view-markdown", "view-tables"].forEach((id) => $(id).replaceChildren());
  $("block-info").textContent = "Hover over or focus a box to see its text.";
}

async function showImage(page) {
  const image = $("page-image");
  image.alt = `Page ${page.index + 1}`;
  if (page.error) return ($("block-info").textContent = `This page failed: ${page.error}`);
  try {
    const url = await blobUrl(`${API}/ocr/${state.job.uuid}/pages/${page.index}/image?width=${imageWidth()}`);
    if (currentPage() !== page) return URL.revokeObjectURL(url); // another page was chosen meanwhile
    state.imageUrl = url;
    image.onload = () => drawBoxes(page);
    image.src = state.imageUrl;
  } catch (error) {
    $("block-info").textContent = `No page image: ${error.message}`;
  }
}

function imageWidth() {
  const wanted = Math.round($("viewer").clientWidth * (window.devicePixelRatio || 1));
  return Math.min(2000, Math.max(400, wanted));
}

// ---- boxes over the page image

function drawBoxes(page) {
  const image = $("page-image");
  if (!page || !page.width || !image.complete || !image.naturalWidth) return;
  const scale = image.clientWidth / page.width;
  const regions = $("show-regions").checked ? (page.regions || []).map((region) => regionBox(region, scale)) : [];
  const blocks = page.blocks.map((block, number) => blockBox(block, number, scale));
  $("boxes").replaceChildren(...regions, ...blocks);
}

function place(node, bbox, scale) {
  const [x0, y0, x1, y1] = bbox;
  Object.assign(node.style, {
    left: `${x0 * scale}px`,
    top: `${y0 * scale}px`,
    width: `${(x1 - x0) * scale}px`,
    height: `${(y1 - y0) * scale}px`,
  });
  return node;
}

function regionBox(region, scale) {
  const node = element("div", { class: `region region-${region.type}`, "data-type": region.type });
  node.append(element("span", { class: "region-label" }, region.type.replace("_", " ")));
  return place(node, region.bbox, scale);
}

function blockBox(block, number, scale) {
  const low = block.confidence < LOW_CONFIDENCE;
  const classes = ["block", low ? "low" : "", isCited(block) ? "cited" : ""].filter(Boolean).join(" ");
  const label = `${block.text} (confidence ${block.confidence.toFixed(2)}${block.type ? `, ${block.type}` : ""})`;
  const node = element("button", { type: "button", class: classes, "aria-label": label, title: label });
  node.dataset.block = number;
  const describe = () => ($("block-info").textContent = `${low ? "Low confidence: " : ""}${label}`);
  ["mouseenter", "focus", "click"].forEach((name) => node.addEventListener(name, describe));
  return place(node, block.bbox, scale);
}

// ---- the page's text, Markdown and tables

function setupTabs() {
  document.querySelectorAll('[role="tab"]').forEach((tab) => tab.addEventListener("click", () => selectTab(tab)));
}

function selectTab(selected) {
  document.querySelectorAll('[role="tab"]').forEach((tab) => {
    tab.setAttribute("aria-selected", String(tab === selected));
    $(tab.getAttribute("aria-controls")).hidden = tab !== selected;
  });
}

function showTexts(page) {
  $("view-text").textContent = page.error ? `This page failed: ${page.error}` : page.text;
  $("view-markdown").innerHTML = safeMarkdown(page.markdown || "");
  $("view-tables").replaceChildren(...tablesOf(page));
}

function safeMarkdown(markdown) {
  return DOMPurify.sanitize(marked.parse(markdown));
}

function tablesOf(page) {
  const tables = page.tables || [];
  if (!tables.length) return [element("p", {}, "No tables on this page.")];
  return tables.map((table) => {
    const node = element("table");
    table.rows.forEach((row) => {
      const line = element("tr");
      row.forEach((cell) => line.append(element("td", {}, cell)));
      node.append(line);
    });
    return node;
  });
}

// ---- chat

function showChatAvailability() {
  const hasToken = Boolean(localStorage.getItem(TOKEN_KEY));
  $("chat-form").hidden = !hasToken;
  $("chat-note").textContent = hasToken
    ? `Answers cite their pages (${state.chatMode === "language_model" ? "a language model" : "quotes from the document"}).`
    : "Chat is for account holders: save your API token above.";
}

function setupChat() {
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    ask($("question").value.trim());
  });
}

async function ask(question) {
  if (!question || !state.job) return;
  clearError();
  $("chat-log").append(element("li", { class: "user" }, question));
  $("question").value = "";
  try {
    const reply = await getJson(`${API}/chat/${state.job.uuid}/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: question }),
    });
    $("chat-log").append(answerItem(reply.message));
  } catch (error) {
    showError(error);
  }
  showUsage();
}

function answerItem(message) {
  const item = element("li", { class: "assistant" });
  item.append(element("p", {}, message.content));
  (message.citations || []).forEach((citation) => item.append(citationButton(citation)));
  return item;
}

function citationButton(citation) {
  const button = element("button", { type: "button", class: "citation" }, `p. ${citation.page}`);
  button.title = citation.snippet;
  button.addEventListener("click", () => goToCitation(citation));
  return button;
}

async function goToCitation(citation) {
  const position = state.job.pages.findIndex((page) => page.index + 1 === citation.page);
  if (position < 0) return;
  await showPage(position, citation.snippet);
  $("viewer").classList.remove("cited");
  void $("viewer").offsetWidth; // restart the highlight's animation
  $("viewer").classList.add("cited");
  $("viewer").scrollIntoView({ behavior: "smooth", block: "start" });
}

function isCited(block) {
  const text = block.text.trim();
  return Boolean(state.cited) && text.length > 2 && state.cited.includes(text);
}

// ---- this browser's recent jobs

function recentJobs() {
  const now = Date.now();
  const kept = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
  return kept.filter((job) => !job.expires_at || Date.parse(job.expires_at) > now);
}

function remember(job) {
  const others = recentJobs().filter((known) => known.uuid !== job.uuid);
  const entry = { uuid: job.uuid, filename: job.filename, created_at: job.created_at, expires_at: job.expires_at };
  localStorage.setItem(RECENT_KEY, JSON.stringify([entry, ...others].slice(0, RECENT_KEPT)));
  showRecent();
}

function showRecent() {
  const jobs = recentJobs();
  const items = jobs.map((job) => {
    const button = element("button", { type: "button" }, job.filename);
    button.addEventListener("click", () => openJob(job.uuid));
    const expiry = job.expires_at ? `expires ${new Date(job.expires_at).toLocaleString()}` : "running when last seen";
    const item = element("li");
    item.append(button, element("span", {}, ` ${expiry}`));
    return item;
  });
  $("recent").replaceChildren(...(items.length ? items : [element("li", {}, "None yet.")]));
}

async function openJob(uuid) {
  clearError();
  try {
    await follow(await getJson(`${API}/ocr/${uuid}/`));
  } catch (error) {
    showError(error);
  }
}

// ---- start

function start() {
  marked.use({ gfm: true });
  setupToken();
  setupUpload();
  setupPager();
  setupTabs();
  setupChat();
  showRecent();
  showUsage();
  loadOptions().catch(showError);
}

document.addEventListener("DOMContentLoaded", start);
