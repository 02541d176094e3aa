/*
 * Search worker of the help site: replaces the engine inside Material's search worker and
 * keeps its protocol (SETUP -> READY, QUERY -> RESULT) and its user interface.
 *
 * Why not Material's lunr index: it does not stem German by default, and with lunr's German
 * stemmer on, search-as-you-type gets worse (the index holds stems with folded umlauts, while
 * prefix queries are not stemmed). Members type inflected forms, compounds, "ue" for "ü", and
 * typos. This engine analyses every word the same way on both sides:
 *
 *   lower case -> "ae/oe/ue" read as "ä/ö/ü", "ß" as "ss" -> accents dropped (the plain
 *   form) -> German Snowball stem (the key)
 *
 * and matches each query word as an exact stem, as a prefix (the word being typed), with one
 * typo (Damerau-Levenshtein, words of five letters or more) and as a compound of two indexed
 * words ("Kündigungsfrist" -> "Kündigung" + "Frist"; a section with one part scores half) and as
 * a synonym the site does not use ("Pleite" -> "Insolvenz", "MwSt" -> "Umsatzsteuer",
 * "refund" -> "Erstattung": OpenThesaurus and overrides/search/synonyme.txt, cut to the site's
 * words at build time, see generator/site/synonyms.py). Scores are BM25 over title, keywords
 * (front matter `keywords:`), tags and text, multiplied by the page's `search.boost`
 * (archived newsletters get less) and by the share of query words matched. A page's further
 * matching sections add less the more sections it has, so a very long page does not win by
 * length alone; a demoted page (an archived newsletter) never ranks above a page that matches
 * as many of the query words. When nothing matches, the words are matched more loosely (two
 * typos, a shared beginning) before the member is told that nothing was found.
 *
 * The index comes compact from `rundbrief build` (generator/site/searchindex.py: plain forms
 * with their documents, in config.rundbrief) or, after a plain MkDocs build, as Material's
 * full index, tokenised here with the keywords from search/keywords.json.
 *
 * The Snowball stemmer and the German stop words come from the lunr-languages files that
 * Material already ships; a small stand-in for lunr lets them load without lunr itself.
 */
"use strict"

/* global importScripts */

const SETUP = 0
const READY = 1
const QUERY = 2
const RESULT = 3

// The same weights as generator/site/searchindex.py, for a full index.
const WEIGHTS = { pageTitle: 10, sectionTitle: 5, keywords: 8, tags: 4, text: 1 }
const MATCH = { exact: 1, prefix: 0.8, compound: 0.6, synonym: 0.6, typo: 0.5, near: 0.3 }
const K1 = 1.2
const B = 0.75
const MAX_EXPANSIONS = [0, 16, 32, 64] // words a prefix of 1, 2, 3+ letters may stand for
const MAX_RESULTS = 50

/* ----- German analysis ------------------------------------------------------------------ */

self.lunr = {
  Pipeline: { registerFunction() {} },
  generateStopWordFilter(words) {
    const set = new Set(words)
    const filter = token => (set.has(token) ? undefined : token)
    filter.words = set
    return filter
  }
}
importScripts(
  "lunr/min/lunr.stemmer.support.min.js",
  "lunr/min/lunr.de.min.js"
)
const stem = self.lunr.de.stemmer
const STOP_WORDS = self.lunr.de.stopWordFilter.words

/** A word as written, as the search compares it: lower case, "ae/oe/ue" read as "ä/ö/ü",
 *  "ß" as "ss", no accents. The build's compact index (searchindex.py) folds the same way. */
function plain(word) {
  return word
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/ae/g, "ä")
    .replace(/oe/g, "ö")
    .replace(/ue/g, "ü")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
}

const analysed = new Map()

/** The index key of a word: its plain form, stemmed. Cached: words repeat a lot. */
function analyse(word) {
  let key = analysed.get(word)
  if (key === undefined) {
    key = stem(plain(word))
    analysed.set(word, key)
  }
  return key
}

const WORD = /[\p{L}\p{N}]+/gu

function words(text) {
  return text.match(WORD) || []
}

function stripTags(html) {
  return html.replace(/<[^>]*>/g, " ").replace(/&[a-z]+;|&#\d+;/gi, " ")
}

/* ----- Index ---------------------------------------------------------------------------- */

class Index {
  /** From the compact index that `rundbrief build` writes: words, their documents, lengths.
   *  Nothing is stemmed or decoded here: a key's documents are gathered when a query needs
   *  them, so the index is ready right after the page has loaded. */
  static compact(docs, data) {
    const index = new Index(docs)
    index.lengths = Float64Array.from(data.lengths)
    index.synonymText = data.synonyms || "" // read on the first query that needs it
    // plain word -> "gap,count,gap,count…" in base 36: one "word:pairs" line per word, sorted
    // (an index of an earlier build may still be an object)
    index.packed = new Map()
    if (typeof data.words === "string")
      for (const line of data.words.split("\n")) {
        const cut = line.indexOf(":")
        if (cut > 0) index.packed.set(line.slice(0, cut), line.slice(cut + 1))
      }
    else for (const word of Object.keys(data.words)) index.packed.set(word, data.words[word])
    return index.finish([...index.packed.keys()])
  }

  /** From Material's full index (a plain MkDocs build): every section's text, tokenised here. */
  static full(docs, keywords) {
    const index = new Index(docs)
    const forms = new Set()
    docs.forEach((doc, number) => {
      const isPage = !doc.location.includes("#")
      const fields = [
        [doc.title, isPage ? WEIGHTS.pageTitle : WEIGHTS.sectionTitle],
        [stripTags(doc.text || ""), WEIGHTS.text],
        [(doc.tags || []).join(" "), WEIGHTS.tags]
      ]
      if (isPage && keywords[doc.location])
        fields.push([keywords[doc.location].join(" "), WEIGHTS.keywords])
      let length = 0
      for (const [text, weight] of fields)
        for (const word of words(text)) {
          length += 1
          if (STOP_WORDS.has(word.toLowerCase())) continue
          const form = plain(word)
          forms.add(form)
          const key = analyse(form)
          let posting = index.postings.get(key)
          if (!posting) index.postings.set(key, (posting = new Map()))
          posting.set(number, (posting.get(number) || 0) + weight)
        }
      index.lengths[number] = length
    })
    return index.finish([...forms])
  }

  constructor(docs) {
    this.docs = docs
    this.postings = new Map() // key -> Map(doc number -> weighted term frequency)
    this.packed = null
    this.synonymText = ""
    this.synonyms = null // plain word -> "site word,site word", once read
    this.synonymForms = null
    this.lengths = new Float64Array(docs.length)
  }

  /** ``surface``: every word as written (plain, unstemmed); prefixes and typos are found on
   *  these, so "Auszahlu" and "Auszahlng" both reach the key "auszahl". Grouped by first
   *  letter and each group sorted when a query first needs it: no sort before the first
   *  keystroke is answered (40,000 words at 1,000 pages). */
  finish(surface) {
    this.average = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.docs.length)
    this.surface = new Buckets(surface)
    this.forms = surface
    // Each section's page (the page's own document number) and the sections a page has: the
    // more it has, the less each further match adds. Worked out once, not per query.
    const pageNumber = new Map()
    this.docs.forEach((doc, number) => {
      if (!doc.location.includes("#")) pageNumber.set(doc.location, number)
    })
    this.pageOf = new Int32Array(this.docs.length)
    this.sectionCount = new Map()
    this.docs.forEach((doc, number) => {
      const page = pageNumber.get(doc.location.split("#")[0])
      this.pageOf[number] = page === undefined ? -1 : page
      this.sectionCount.set(page, (this.sectionCount.get(page) || 0) + 1)
    })
    this.byLengthCache = null
    this.scoreCache = new Map()
    return this
  }

  /** The site's words by length, for typos and near matches (grouped when first needed). */
  get byLength() {
    if (!this.byLengthCache) {
      this.byLengthCache = new Map()
      for (const form of this.forms) {
        const list = this.byLengthCache.get(form.length)
        if (list) list.push(form)
        else this.byLengthCache.set(form.length, [form])
      }
    }
    return this.byLengthCache
  }

  /** The words (of ``buckets``, by default the site's) that start with ``prefix``, sorted. */
  range(prefix, buckets = this.surface) {
    const list = buckets.sorted(prefix)
    let low = 0
    let high = list.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (list[middle] < prefix) low = middle + 1
      else high = middle
    }
    const found = []
    for (let i = low; i < list.length && list[i].startsWith(prefix); i++) found.push(list[i])
    return found
  }

  /** Keys of the site's words that a word with ``key`` stands for (it is not on the site). */
  synonymsOf(key) {
    if (!this.synonyms) {
      // "word,word:site word,site word|…" -> plain word -> "site word,site word"
      this.synonyms = {}
      for (const group of this.synonymText.split("|")) {
        const [forms, targets] = group.split(":")
        if (targets) for (const form of forms.split(",")) this.synonyms[form] = targets
      }
      this.synonymForms = new Buckets(Object.keys(this.synonyms))
    }
    const found = new Set()
    // as for postings: every word with this key starts with it
    for (const form of this.range(key, this.synonymForms)) {
      if (analyse(form) !== key) continue
      for (const target of this.synonyms[form].split(",")) found.add(analyse(target))
    }
    return [...found]
  }

  /** Keys of words two typos away or sharing a long beginning: only when nothing matched. */
  near(word) {
    const found = new Set()
    if (word.length >= 7)
      for (let length = word.length - 2; length <= word.length + 2; length++)
        for (const candidate of this.byLength.get(length) || [])
          if (withinEdits(word, candidate, 2)) found.add(analyse(candidate))
    if (word.length >= 5)
      for (const candidate of this.range(word.slice(0, Math.max(4, word.length - 3))).slice(0, 16))
        found.add(analyse(candidate))
    return [...found]
  }

  has(key) {
    return this.posting(key).size > 0
  }

  /** Documents holding ``key``: doc number -> weighted term frequency. */
  posting(key) {
    let posting = this.postings.get(key)
    if (posting) return posting
    posting = new Map()
    if (this.packed && key)
      // German Snowball only cuts endings, so every word with this key starts with it.
      for (const form of this.range(key)) {
        if (analyse(form) !== key) continue
        const pairs = this.packed.get(form).split(",")
        let number = 0
        for (let i = 0; i < pairs.length; i += 2) {
          number += parseInt(pairs[i], 36)
          posting.set(number, (posting.get(number) || 0) + parseInt(pairs[i + 1], 36))
        }
      }
    this.postings.set(key, posting)
    return posting
  }

  /** BM25 of one key in every document holding it (kept: the next keystroke asks again). */
  scores(key) {
    let result = this.scoreCache.get(key)
    if (!result) this.scoreCache.set(key, (result = this.computeScores(key)))
    return result
  }

  computeScores(key) {
    const posting = this.posting(key)
    const n = this.docs.length
    const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5))
    const result = new Map()
    for (const [number, tf] of posting) {
      const norm = 1 - B + (B * this.lengths[number]) / this.average
      result.set(number, (idf * tf * (K1 + 1)) / (tf + K1 * norm))
    }
    return result
  }

  /** Keys of the words starting with ``prefix``, shortest words first, a few for a short one. */
  prefixed(prefix) {
    const found = this.range(prefix).sort((a, b) => a.length - b.length)
    const limit = MAX_EXPANSIONS[Math.min(prefix.length, MAX_EXPANSIONS.length - 1)]
    return [...new Set(found.slice(0, limit).map(analyse))]
  }

  /** Keys of the words one typo away (insertion, deletion, substitution, swapped neighbours). */
  typos(word) {
    const found = new Set()
    for (let length = word.length - 1; length <= word.length + 1; length++)
      for (const candidate of this.byLength.get(length) || [])
        if (candidate !== word && withinOneEdit(word, candidate)) found.add(analyse(candidate))
    return [...found]
  }

  /** Two indexed keys that make up ``word`` ("kündigungsfrist" -> kündigung + frist). */
  compound(word) {
    for (let cut = word.length - 3; cut >= 4; cut--) {
      const tail = analyse(word.slice(cut))
      if (!this.has(tail)) continue
      const head = word.slice(0, cut)
      for (const candidate of [head, head.replace(/(e?s|e?n)$/, "")]) {
        const key = analyse(candidate)
        if (candidate.length >= 3 && this.has(key)) return [key, tail]
      }
    }
    return null
  }
}

/** Optimal string alignment distance of ``a`` and ``b`` is at most ``limit`` (small words). */
function withinEdits(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return false
  let previous = null
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      let cost = Math.min(
        row[j] + 1,
        next[j - 1] + 1,
        row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
      if (previous && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cost = Math.min(cost, previous[j - 2] + 1)
      next.push(cost)
      best = Math.min(best, cost)
    }
    if (best > limit) return false
    previous = row
    row = next
  }
  return row[b.length] <= limit
}

/** Words grouped by their first letter. A group that arrives in order (the compact index's
 *  words come sorted) is never sorted; the others are, the first time a query asks for them. */
class Buckets {
  constructor(words) {
    this.groups = new Map()
    const unordered = new Set()
    for (const word of words) {
      const group = this.groups.get(word[0])
      if (!group) this.groups.set(word[0], [word])
      else {
        if (group[group.length - 1] > word) unordered.add(word[0])
        group.push(word)
      }
    }
    this.done = new Set([...this.groups.keys()].filter(letter => !unordered.has(letter)))
  }

  sorted(prefix) {
    const letter = prefix[0]
    const group = this.groups.get(letter) || []
    if (!this.done.has(letter)) {
      group.sort()
      this.done.add(letter)
    }
    return group
  }
}

function withinOneEdit(a, b) {
  if (a.length === b.length) {
    let first = -1
    let differences = 0
    for (let i = 0; i < a.length; i++)
      if (a[i] !== b[i]) {
        if (++differences > 2) return false
        if (first < 0) first = i
      }
    if (differences <= 1) return true
    // two differences: only a swap of neighbours counts as one typo
    return a[first] === b[first + 1] && a[first + 1] === b[first] && first + 1 < a.length &&
      a.slice(first + 2) === b.slice(first + 2)
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a]
  let i = 0
  while (i < short.length && short[i] === long[i]) i++
  return short.slice(i) === long.slice(i + 1)
}

/* ----- Search --------------------------------------------------------------------------- */

/** What each query word may match: index keys with the weight of the kind of match. */
function expand(index, word, typing, loose) {
  const key = analyse(word)
  const matches = new Map()
  const add = (found, weight) => {
    if (index.has(found) && (matches.get(found) || 0) < weight)
      matches.set(found, weight)
  }
  add(key, MATCH.exact)
  const written = plain(word)
  // a synonym stands for a whole word: not for the first letters of one being typed
  if (!typing || written.length >= 3) for (const found of index.synonymsOf(key)) add(found, MATCH.synonym)
  if (typing && written.length >= 1) for (const found of index.prefixed(written)) add(found, MATCH.prefix)
  if (loose) for (const found of index.near(written)) add(found, MATCH.near)
  if (written.length >= 5) {
    for (const found of index.typos(written)) add(found, MATCH.typo)
    // Also when the compound itself is indexed: a newsletter may say "Lastschrifttermin"
    // where the article that answers says "Lastschrift" and "Termin".
    const parts = index.compound(written)
    if (parts) return { matches, parts }
  }
  return { matches, parts: null }
}

function search(index, query) {
  const found = rank(index, query, false)
  // An empty list only when even a loose match finds nothing (a near match is better)
  return found.items.length ? found : rank(index, query, true)
}

function rank(index, query, loose) {
  const typed = words(query)
  const typing = !/\s$/.test(query)
  const terms = typed.filter(word => !STOP_WORDS.has(word.toLowerCase()))
  const asked = terms.length ? terms : typed
  if (!asked.length) return { items: [] }

  // per query word: document number -> best score for that word
  const perWord = asked.map((word, position) => {
    const isLast = position === asked.length - 1 && word === typed[typed.length - 1]
    const { matches, parts } = expand(index, word, typing && isLast, loose)
    const best = new Map()
    const keep = (number, score) => {
      if ((best.get(number) || 0) < score) best.set(number, score)
    }
    for (const [key, weight] of matches)
      for (const [number, score] of index.scores(key)) keep(number, weight * score)
    if (parts) {
      // A section with both parts says what the compound says ("Lastschrift" ... "Termin");
      // one part alone counts half ("Dividendentermin" finds the dividend article, which
      // need not say "Termin").
      const [head, tail] = parts.map(part => index.scores(part))
      for (const number of new Set([...head.keys(), ...tail.keys()])) {
        const [h, t] = [head.get(number) || 0, tail.get(number) || 0]
        keep(number, MATCH.compound * (h && t ? h + t : (h + t) / 2))
      }
    }
    return { word, matches, parts, best }
  })

  // sections grouped by page; a page's score is its best part plus a share of the rest
  const pages = new Map()
  const numbers = new Set(perWord.flatMap(({ best }) => [...best.keys()]))
  for (const number of numbers) {
    const article = index.pageOf[number]
    if (article < 0) continue // a section of no page (a plain MkDocs index can have them)
    let score = 0
    let matched = 0
    for (const { best } of perWord)
      if (best.has(number)) {
        score += best.get(number)
        matched += 1
      }
    const coverage = matched / perWord.length
    score *= coverage * coverage
    const page = pages.get(article) || { article, sections: [], best: 0, sum: 0, words: new Set() }
    page.sections.push({ number, score })
    page.best = Math.max(page.best, score)
    page.sum += score
    perWord.forEach(({ best }, position) => best.has(number) && page.words.add(position))
    pages.set(article, page)
  }
  const scored = [...pages.values()]
    .map(page => {
      const doc = index.docs[page.article]
      const boost = typeof doc.boost === "number" ? doc.boost : 1
      const rest = (0.2 * (page.sum - page.best)) / Math.sqrt(index.sectionCount.get(page.article) || 1)
      return { ...page, boost, covered: page.words.size, total: boost * (page.best + rest) }
    })
  // A demoted page (archived newsletter) stays below every page covering as many query words.
  const ceiling = new Map()
  for (const page of scored)
    if (page.boost >= 1)
      for (let covered = 0; covered <= page.covered; covered++)
        ceiling.set(covered, Math.min(ceiling.get(covered) ?? Infinity, page.total))
  for (const page of scored)
    page.rank = page.boost < 1 && ceiling.has(page.covered)
      ? Math.min(page.total, ceiling.get(page.covered) * 0.999 - 1e-9)
      : page.total
  const ranked = scored.sort((a, b) => b.rank - a.rank).slice(0, MAX_RESULTS)

  const keys = new Set(perWord.flatMap(({ matches, parts }) => [...matches.keys(), ...(parts || [])]))
  const items = ranked.map(page => {
    const found = new Map(page.sections.map(({ number, score }) => [number, score]))
    const articleNumber = page.article
    const group = [item(index, articleNumber, page.total, perWord, keys)]
    const sections = page.sections
      .filter(({ number }) => number !== articleNumber)
      .sort((a, b) => b.score - a.score)
    for (const { number } of sections)
      group.push(item(index, number, found.get(number) * (page.total / (page.best || 1)), perWord, keys))
    return group
  })
  return { items }
}

function item(index, number, score, perWord, keys) {
  const doc = index.docs[number]
  const terms = {}
  for (const { word, best } of perWord) terms[word] = terms[word] || best.has(number)
  return {
    location: doc.location,
    title: highlight(doc.title, keys),
    text: highlight(doc.text || "", keys),
    // no tags: Material would render an unnamed <nav> per result (axe: landmark-unique)
    score,
    terms
  }
}

/** The result's title or excerpt as HTML that can hold nothing but text and our <mark>s.
 *  Material's bundle inserts it as HTML; the index is read as text (tags dropped, character
 *  references decoded) and escaped anew, so a title or heading can never become markup. */
function highlight(html, keys) {
  const text = plainText(html)
  let out = ""
  let last = 0
  for (const match of text.matchAll(WORD)) {
    const word = match[0]
    out += escapeHtml(text.slice(last, match.index))
    out += keys.has(analyse(word)) ? `<mark>${word}</mark>` : word
    last = match.index + word.length
  }
  return out + escapeHtml(text.slice(last))
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", para: "¶" }

/** Text of an HTML fragment: tags dropped, character references decoded, spaces collapsed. */
function plainText(html) {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (reference, name) => {
      if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? reference
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ""
    })
    .replace(/\s+/g, " ")
    .trim()
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}

/* ----- Worker protocol ------------------------------------------------------------------ */

let index = null

async function loadKeywords() {
  try {
    const response = await fetch(new URL("../../search/keywords.json", self.location.href))
    return response.ok ? await response.json() : {}
  } catch (error) {
    return {}
  }
}

addEventListener("message", async event => {
  const message = event.data
  if (message.type === SETUP) {
    const { config, docs } = message.data
    index = config.rundbrief
      ? Index.compact(docs, config.rundbrief)
      : Index.full(docs, await loadKeywords())
    // One search before the member types: compiles the hot paths, so the first keystroke
    // is answered as fast as the next ones.
    search(index, "e")
    postMessage({ type: READY })
  } else if (message.type === QUERY) {
    let data = { items: [] }
    try {
      if (index) data = search(index, message.data)
    } catch (error) {
      console.warn("search failed", error)
    }
    postMessage({ type: RESULT, data })
  }
})

