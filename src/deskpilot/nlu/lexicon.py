"""Small per-language word lists for signals a classifier should never miss.

Asking for a person, hardship and anger must be caught in any language and at any
point in a flow, so they are matched as accent-folded phrases in addition to the
intent classifier. Slot values with a closed set of answers (dispute reason, lost
or stolen, statement or receipt...) are matched here too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: 'Återbetalning!' -> 'aterbetalning!'."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in nfkd if not unicodedata.combining(c)).split())


HUMAN = [
    "agent", "human", "real person", "a person", "speak to someone", "talk to someone",
    "customer service rep", "representative", "operator", "live chat", "call me",
    "mensch", "mitarbeiter", "berater", "echte person", "menschen sprechen",
    "manniska", "handlaggare", "riktig person", "prata med nagon",
    "humain", "conseiller", "une personne", "vraie personne", "quelqu'un",
    "humano", "una persona", "persona", "personne", "persona real", "asesor", "operador",
    "agente",
]
CANCEL = [
    "cancel", "stop", "never mind", "nevermind", "forget it", "forget about it", "abort",
    "leave it", "skip it", "don't bother", "dont bother", "i'll keep it", "ill keep it",
    "keep it", "keep both", "changed my mind", "lass es", "lass mal", "behalte", "skit i det",
    "behall", "jag behaller", "je garde", "laisse", "me lo quedo", "dejalo asi",
    "ich behalte es", "behalte es doch", "hat sich erledigt", "nicht mehr notig",
    "behovs inte", "inte langre", "det behovs inte", "plus besoin", "ya no hace falta",
    "laissez tomber", "oubliez", "oubliez ca", "olvidalo", "no pasa nada", "da lo mismo",
    "quit", "abbrechen", "vergiss es", "egal", "stopp", "avbryt", "glom det", "strunt i det",
    "annuler", "laisse tomber", "oublie", "cancelar", "olvidalo", "dejalo", "da igual",
]
# Multi-word ways of dropping the current request; safe to match inside longer messages.
CANCEL_PHRASES = [p for p in CANCEL if " " in p and p not in ("keep it",)]
HARDSHIP = [
    "lost my job", "unemployed", "can't afford", "cannot afford", "cant afford", "no money",
    "can't pay", "cant pay", "cannot pay", "struggling", "debt", "bereavement", "passed away",
    "died", "funeral", "hospital", "cancer", "depressed", "suicidal", "suicide", "kill myself",
    "domestic abuse", "abusive", "homeless", "food bank", "seriously ill", "illness", "divorce",
    "redundant", "laid off", "got fired", "been fired", "nothing coming in", "no income",
    "chemo", "chemotherapy", "dark place", "mental health", "can't keep up", "cant keep up",
    "behind on everything", "left me", "took everything", "benefits", "evicted", "eviction",
    "grief", "carer", "disabled", "in hospital", "terminal",
    "gekundigt", "kein einkommen", "chemotherapie", "psychisch", "trennung", "scheidung",
    "uppsagd", "ingen inkomst", "cellgift", "psykisk", "skilsmassa", "licencie",
    "aucun revenu", "chimio", "divorce", "despedido", "sin ingresos", "quimio", "divorcio",
    "gatt bort", "har inte rad", "inte rad med", "perdu mon emploi", "perdu mon travail",
    "n'arrive plus a payer", "narrive plus a payer", "perdi mi trabajo", "perdi el trabajo",
    "sin trabajo", "job verloren", "arbeit verloren", "forlorat jobbet",
    "blivit av med jobbet", "verstorben", "nicht leisten",
    "kann mir nicht leisten", "decede", "pas les moyens", "no me alcanza",
    "arbeitslos", "job verloren", "kein geld", "kann nicht zahlen", "schulden", "gestorben",
    "krankenhaus", "arbetslos", "inga pengar", "kan inte betala", "skulder",
    "sjukhus", "chomage", "pas d'argent", "peux pas payer", "dettes", "deces",
    "malade", "desempleado", "paro", "sin dinero", "no puedo pagar", "deudas", "fallecio",
    "enfermo", "hospitalizado",
]
ANGER = [
    "ridiculous", "useless", "worst", "terrible", "disgrace", "scam", "fraudsters", "furious",
    "angry", "pathetic", "unacceptable", "is a joke", "a complete joke", "wtf", "fuck", "shit", "damn", "idiot",
    "sue you", "lawyer", "ombudsman", "complaint", "complain", "lacherlich", "nutzlos",
    "unverschamt", "betrug", "wutend", "beschwerde", "scheisse", "anwalt", "lojligt",
    "vardelos", "bedrageri", "klagomal", "skit", "advokat", "ridicule", "inadmissible",
    "arnaque", "furieux", "plainte", "merde", "avocat", "ridiculo", "inaceptable", "estafa",
    "furioso", "queja", "reclamacion", "mierda", "abogado", "skamt", "skandal", "bedrovligt",
    "uselt", "ist ein witz", "frechheit", "katastrophe", "est une blague", "honteux",
    "scandaleux", "es una broma", "ar ett skamt", "ju ett skamt",
    "verguenza", "pesimo", "thieves", "crooks", "ladrones", "ladron", "voleurs", "escrocs",
    "diebe", "abzocke", "tjuvar", "blasare",
]
INSIST = [
    "but i need", "please make an exception", "exception", "i insist", "that's not fair",
    "thats not fair", "not fair", "unfair", "come on", "why not", "aber ich brauche",
    "ausnahme", "unfair", "men jag behover", "undantag", "orattvist", "mais j'ai besoin",
    "exception", "injuste", "pero necesito", "excepcion", "injusto", "faites un geste",
    "un geste", "vraiment besoin", "j'en ai besoin", "necesito de verdad", "haz una excepcion",
    "hazme el favor", "kulanz", "entgegenkommen", "ausnahmsweise", "snalla", "gor ett undantag",
    "really need", "just this once",
]
# A question about how things work, not a request to act (wins over a flow intent).
POLICY_QUESTION = [
    "how many days", "how long do i have", "how long does", "what is your", "what's your",
    "whats your", "policy", "combien de jours", "combien de temps", "quelle est votre",
    "politique", "cuantos dias", "cuanto tiempo", "cual es vuestra", "cual es tu", "politica",
    "wie viele tage", "wie lange habe ich", "wie lange dauert", "richtlinie", "hur manga dagar",
    "hur lang tid", "hur lange", "vad har ni for", "regler",
]
GOODBYE = ["bye", "goodbye", "bye now", "see you", "cheers", "that's all", "thats all",
           "that is all", "det var allt", "das war's", "das wars", "das war alles",
           "c'est tout", "eso es todo", "nada mas",
           "tschuss", "auf wiedersehen", "hej da", "adjo", "au revoir", "a bientot", "adios",
           "hasta luego", "chao"]
YES = ["yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right", "please do",
       "go ahead", "do it", "confirm", "ja", "jawohl", "genau", "klar", "gerne", "richtig",
       "ja tack", "japp", "absolut", "stammer", "oui", "ouais", "d'accord", "daccord",
       "exactement", "vas-y", "si", "claro", "vale", "de acuerdo", "correcto", "dale"]
NO = ["no", "nope", "nah", "none", "neither", "aucun", "aucune", "ninguno", "ninguna", "keiner",
      "keine", "ingen", "inget", "not that", "wrong", "don't", "dont", "no thanks", "no thank you",
      "not now", "leave it", "keep it", "changed my mind", "actually no", "no way", "nein", "nee", "falsch",
      "nicht", "nej", "inte", "fel", "non", "pas ca", "faux", "no gracias", "incorrecto"]

ENUMS: dict[str, dict[str, list[str]]] = {
    "dispute_reason": {
        "item_not_received": ["never arrived", "not arrived", "didn't arrive", "didnt arrive",
                              "not received", "never received", "never came", "not delivered",
                              "never delivered", "wasn't delivered", "not been delivered",
                              "hasn't arrived", "hasnt arrived", "didn't get", "never got",
                              "nie angekommen", "nicht angekommen", "nicht erhalten",
                              "aldrig kommit", "inte kommit", "inte fatt", "jamais recu",
                              "pas recu", "jamais arrive", "nunca llego", "no llego",
                              "no he recibido", "lost in the post", "missing"],
        "damaged": ["damaged", "broken", "smashed", "cracked", "defect", "faulty", "beschadigt",
                    "kaputt", "defekt", "trasig", "skadad", "casse", "abime", "endommage",
                    "roto", "danado", "defectuoso"],
        "wrong_item": ["wrong item", "wrong size", "wrong colour", "wrong color", "not what i",
                       "different item", "falsche", "falscher", "fel vara", "fel storlek",
                       "mauvais article", "mauvaise taille", "articulo equivocado",
                       "equivocado", "incorrecto"],
        "unauthorised": ["unauthorised", "unauthorized", "didn't buy", "didnt buy",
                         "did not buy", "not me", "wasn't me", "fraud", "don't recognise",
                         "don't recognize", "nicht bestellt", "nicht ich", "betrug",
                         "inte jag", "har inte kopt", "pas moi", "pas commande", "fraude",
                         "no fui yo", "no compre"],
    },
    "lost_or_stolen": {
        "stolen": ["stolen", "stole", "robbed", "theft", "pickpocket", "gestohlen", "geklaut",
                   "stulen", "stulet", "stals", "stal", "vole", "robada", "robaron", "robo"],
        "lost": ["lost", "lose", "can't find", "cant find", "misplaced", "verloren",
                 "finde nicht", "tappat", "tappade", "borta", "hittar inte", "forlorat", "perdu", "perdue",
                 "perdida", "perdi", "extravie"],
    },
    "card_operation": {
        "unfreeze": ["unfreeze", "unlock", "unblock", "reactivate", "activate again",
                     "las upp", "lasa upp", "aktivera igen", "aktivera det igen",
                     "ofrys", "hav frysningen", "wieder freischalten", "freischalten",
                     "desbloque", "descongel", "debloqu", "degel", "deverrouill", "entsperr",
                     "reactiv",
                     "entsperren", "auftauen", "wieder aktivieren", "lasa upp", "aktivera igen",
                     "debloquer", "reactiver", "desbloquear", "reactivar", "descongelar"],
        "freeze": ["freeze", "lock", "pause", "block", "sperren", "einfrieren", "pausieren",
                   "frys", "lasa", "spärra", "sparra", "geler", "bloquer", "congelar",
                   "bloquear"],
    },
    "document_kind": {
        "receipt": ["receipt", "invoice", "proof of purchase", "quittung", "beleg", "rechnung",
                    "kvitto", "faktura", "recu", "facture", "recibo", "factura", "ticket"],
        "statement": ["statement", "overview", "history", "auszug", "kontoauszug",
                      "ubersicht", "kontoutdrag", "sammanstallning", "releve", "extracto",
                      "estado de cuenta"],
    },
    "contact_field": {
        "email": ["email", "e-mail", "mail", "courriel", "correo", "e-post", "epost"],
        "phone": ["phone", "number", "mobile", "cell", "telefon", "handy", "nummer",
                  "mobil", "telephone", "portable", "telefono", "movil", "celular", "natel",
                  "numero", "numret"],
        "address": ["address", "moved", "street", "adresse", "anschrift", "umgezogen",
                    "adress", "flyttat", "direccion", "domicilio", "me mude", "demenage"],
    },
    "pay_scope": {
        "plan": ["everything", "all of it", "whole", "entire", "pay off", "payoff", "paying off",
                 "full balance", "the rest", "remaining", "alles", "komplett", "gesamt",
                 "abbezahlen", "restbetrag", "allt", "hela", "betala av", "resten",
                 "tout payer", "tout regler", "tout le reste", "la totalite", "solder",
                 "le reste", "todo", "completo", "liquidar", "saldar", "el resto"],
    },
    "installment_choice": {
        "next": ["next", "the next one", "upcoming", "nachste", "nasta", "prochain",
                 "prochaine", "proximo", "proxima", "siguiente"],
    },
}


@cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(fold(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alts})(?![\w])")


def contains(text: str, phrases: list[str]) -> bool:
    """Whether any phrase occurs in the text as whole words (accent- and case-folded)."""
    return bool(_pattern(tuple(phrases)).search(fold(text)))


def is_short_answer(text: str, phrases: list[str], max_words: int = 4) -> bool:
    """A short message that is (mostly) one of the phrases: 'yes', 'ja gerne', 'no thanks'."""
    folded = fold(text).strip(" .!?,")
    return len(folded.split()) <= max_words and contains(folded, phrases)


@cache
def _prefix_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole phrases, or single words of 5+ letters as the start of a compound word
    ('telefon' in 'telefonnumret', 'adress' in 'adressen')."""
    alts = []
    for p in sorted(phrases, key=len, reverse=True):
        f = re.escape(fold(p))
        alts.append(f"{f}\\w*" if " " not in p and len(p) >= 5 else f"{f}(?![\\w])")
    return re.compile(rf"(?<![\w])(?:{'|'.join(alts)})")


_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


def enum_value(text: str, enum: str) -> str | None:
    """The value of a closed-set slot named in the text (the first listed value wins)."""
    clean = _EMAIL_OR_URL.sub(" ", fold(text))
    for value, phrases in ENUMS[enum].items():
        if _prefix_pattern(tuple(phrases)).search(clean):
            return value
    return None
