"""From the words reporters use to the XARF v4 category/type pair abusedesk speaks.

Structured formats name their kind of abuse in their own vocabulary (ARF feedback types,
X-ARF report types, IODEF impact types, ACNS protocols); ``lookup`` maps those names through
one table. Free text has only words; ``classify_text`` scores the words of a subject or a
section heading against ordered rules, the more specific first (phishing before fraud, a
botnet drone before "infected"). The rules know the words complainants write in English,
German, French, Spanish and Russian (and Dutch for vulnerable systems), and a few Japanese
ones (matched without word boundaries, which Japanese does not write). Nothing here guesses
when no rule matches: the caller then quarantines the complaint for a person to classify.
"""

from __future__ import annotations

import re

Pair = tuple[str, str]

#: Names from report vocabularies (lower-case, ``_``/space/``-`` folded to ``-``) -> pair.
NAMES: dict[str, Pair] = {}


def _names(pair: Pair, *names: str) -> None:
    for name in names:
        NAMES[name] = pair


_names(
    ("messaging", "spam"),
    "spam",
    "fraud-spam",
    "uce",
    "ube",
    "mail",
    "email",
    "smtp",
    "postfix",
    "spamtrap",
    "trap",
    "comment-spam",
    "forum-spam",
    "regbot",
    "bot-reg",
    "spamvertised",
    "spam-link",
    "l-spamlink",
    "darkmailer",
    "extortion",
    "authspoofbadehlo",
    "spam-url",
)
_names(
    ("messaging", "bulk_messaging"),
    "bulk",
    "bulk-messaging",
    "opt-out",
    "opt-out-list",
    "unsubscribe",
)
_names(("content", "phishing"), "phishing", "phish", "phishing-site", "phish-url")
_names(("content", "fraud"), "fraud", "scam", "fraud-other")
_names(
    ("content", "malware"),
    "malware",
    "malware-attack",
    "malware-url",
    "malware-site",
    "virus",
    "viruses",
    "trojan",
    "drive-by",
    "exploit-kit",
    "malicious-url",
    "malware-distribution",
    "malicious-content",
    "malware-download",
    "payload-delivery",
    "malurl",
    "webinject",
)
_names(("content", "csam"), "csam", "child-abuse", "childabuse", "child-sexual-abuse")
_names(("content", "brand_infringement"), "trademark", "brand-infringement", "counterfeit")
_names(("content", "exposed_data"), "data-leak", "exposed-data", "information-disclosure")
_names(
    ("infrastructure", "botnet"),
    "botnet",
    "bot",
    "bots",
    "drone",
    "botnet-drone",
    "c2",
    "c&c",
    "cnc",
    "infected-system",
    "infection",
    "worm",
    "asprox",
    "conficker",
    "mirai",
    "iotmirai",
    "zeroaccess",
    "downadup",
    "sinkhole",
    "ircbot",
    "patcher",
    "controller",
)
_names(
    ("infrastructure", "compromised_server"),
    "compromised",
    "compromised-website",
    "compromised-server",
    "hacked",
    "defacement",
    "webshell",
    "system-compromise",
    "deface",
    "backdoor",
)
_names(
    ("connection", "ddos"),
    "ddos",
    "dos",
    "denial-of-service",
    "flood",
    "ddos-amplifier",
    "ddos-participant",
    "amplification",
    "dos-attacker",
    "dos-victim",
)
_names(
    ("connection", "login_attack"),
    "login-attack",
    "loginattack",
    "brute-force",
    "bruteforce",
    "bruteforcelogin",
    "ssh",
    "sshd",
    "sshauth",
    "ftp",
    "imap",
    "pop3",
    "telnet",
    "telnetauth",
    "smtpauth",
    "sip",
    "asterisk",
    "rdp",
    "iotrdp",
    "w-wplogin",
    "wordpress",
    "dictionary-attack",
    "password-guessing",
    "courierauth",
    "dovecot",
    "recidive",
    "strongips",
    "sshpwauth",
    "telnetlogin",
)
_names(
    ("connection", "port_scan"),
    "port-scan",
    "portscan",
    "scan",
    "scanner",
    "scanning",
    "iotscan",
    "darknet",
)
_names(
    ("connection", "vulnerability_scan"),
    "vulnerability-scan",
    "web-attack",
    "webattack",
    "apache",
    "badbots",
    "apacheddos",
    "exploit",
    "wpscanner",
    "cms-attack",
    "probe",
    "server-exploit",
)
_names(("connection", "sql_injection"), "sql-injection", "sqli")
_names(("connection", "reconnaissance"), "harvesting", "harvest", "reconnaissance", "recon")
_names(("connection", "scraping"), "scraping", "crawler", "webcrawler")
_names(("copyright", "copyright"), "copyright", "dmca", "infringement")
_names(("copyright", "p2p"), "p2p", "bittorrent", "torrent", "edonkey", "gnutella", "ares")
_names(("copyright", "cyberlocker"), "cyberlocker", "filehoster", "one-click-hoster")
_names(
    ("vulnerability", "open_service"),
    "open-service",
    "openservice",
    "open-resolver",
    "openresolver",
    "openresolvers",
    "open-proxy",
    "proxy",
    "proxyget",
    "openrelay",
    "open-relay",
    "amplifier",
)
_names(("vulnerability", "misconfiguration"), "misconfiguration")
_names(("vulnerability", "cve"), "cve", "vulnerable", "vulnerability")
_names(("reputation", "blocklist"), "blocklist", "blacklist", "sbl", "xbl", "dbl")
_names(
    ("reputation", "threat_intelligence"),
    "threat-intelligence",
    "suspicious",
    "honeypot",
    "sandbox-url",
)


def fold(name: str) -> str:
    """``Login Attack`` / ``login_attack`` -> ``login-attack``."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def lookup(*names: str | None) -> Pair | None:
    """The pair for the first of ``names`` that a vocabulary table knows."""
    for name in names:
        if name and (pair := NAMES.get(fold(name))) is not None:
            return pair
    return None


# Ordered rules for words in free text: the first rule with a match wins. Specific before
# general; each pattern is matched case-insensitively on word boundaries.
_TEXT_RULES: tuple[tuple[str, Pair], ...] = (
    (
        r"child (?:sexual )?(?:abuse|exploitation)|csam|child porn|kinderpornograf\w*|"
        r"pédopornograph\w*|pornografía infantil|детск\w+ порнограф\w*",
        ("content", "csam"),
    ),
    (r"dmarc|authentication[- ]failure report", ("reputation", "threat_intelligence")),
    (
        r"phish\w*|hameçonnage|filoutage|suplantación de identidad|фишинг\w*",
        ("content", "phishing"),
    ),
    (
        r"copyright|infring\w*|dmca|unauthori[sz]ed (?:use|distribution)|piracy|pirated|"
        r"urheberrecht\w*|droits? d'auteur|contrefaçon|derechos de autor|авторск\w+ прав\w*",
        ("copyright", "copyright"),
    ),
    (
        r"botnet\w*|bot[- ]?net|drones?|c&c|c2|command[- ]?(?:and|&)[- ]?control|sinkhole\w*|"
        r"zombie|worms?|würmer|wurm|infect(?:ed|ion|ions)|(?:\w+-)?infektion\w*|infiziert\w*|infect[ée]e?s?|"
        r"infectad[oa]s?|ботнет\w*|заражен\w*",
        ("infrastructure", "botnet"),
    ),
    (
        r"malware|virus(?:es)?|trojan\w*|ransomware|exploit[- ]kit|drive-by|malicious (?:content|file|code|software|url|link)s?|"  # noqa: E501
        r"schadprogramm\w*|schadsoftware|logiciels? malveillants?|software malicioso|"
        r"programas? maliciosos?|вредоносн\w*|вирус\w*",
        ("content", "malware"),
    ),
    (
        r"compromised|hacked|defaced|defacement|web ?shell|gehackt|kompromittiert\w*",
        ("infrastructure", "compromised_server"),
    ),
    (
        r"d?dos|denial[- ]of[- ]service|flood(?:ing)?|amplification|déni de service|"
        r"denegación de servicio|d?dos(?:-\w+)+",
        ("connection", "ddos"),
    ),
    (
        r"brute[- ]?forc\w*|login attack|failed (?:login|password)s?|password guessing|dictionary attacks?|"  # noqa: E501
        r"authentication failures?|invalid user|anmeldeversuch\w*|force brute|fuerza bruta|"
        r"credential stuffing|account takeover attempts?|"
        r"подбор\w* парол\w*|перебор\w* парол\w*|брутфорс\w*",
        ("connection", "login_attack"),
    ),
    (r"sql[- ]injection", ("connection", "sql_injection")),
    (
        r"vulnerability scan\w*|web[- ]attacks?|exploit attempts?|hack(?:ing)? attempts?",
        ("connection", "vulnerability_scan"),
    ),
    (
        r"(?:port|net) ?scan\w*|scann(?:ing|er)|scans?|probing|unsolicited (?:traffic|packets?|"
        r"connections?|connection attempts)|balayage de ports|escaneos? de puertos|"
        r"сканировани\w*",
        ("connection", "port_scan"),
    ),
    (r"harvest\w*", ("connection", "reconnaissance")),
    (
        r"open (?:dns )?resolvers?|open (?:recursive|proxy|proxies|relay)|"
        r"open[- ](?:memcached|ntp|snmp|ssdp|chargen|mdns|ldap|portmapper|netbios|redis|"
        r"elasticsearch|mongodb|rdp|smb|tftp|ipmi|cwmp)\w*|offene\w* [\w-]*(?:server|dienste?)\w*",
        ("vulnerability", "open_service"),
    ),
    (
        r"spam\w*|unsolicited|junk mail|uce|ube|bulk e-?mail|unerwünschte\w* (?:e-?mails?|werbung)|"
        r"pourriels?|courriels? (?:non sollicités|indésirables)|"
        r"correos? (?:electrónicos? )?no deseados?|correo basura|спам\w*",
        ("messaging", "spam"),
    ),
    (
        r"cve-\d{4}-\d{4,}|vulnerable (?:systems?|servers?|hosts?|devices?|versions?)|"
        r"unpatched|verwundbar\w*|schwachstelle\w*|kwetsbaar|kwetsbare|vulnérable\w*|"
        r"vulnerables?",
        ("vulnerability", "cve"),
    ),
    (r"fraud\w*|scam\w*|betrug\w*|escroquerie|estafa|мошенни\w*", ("content", "fraud")),
    (r"black ?list\w*|block ?list\w*|dnsbl|listed on|sbl\d*", ("reputation", "blocklist")),
    (r"suspicious", ("reputation", "threat_intelligence")),
)
#: Japanese writes no spaces between words: these are matched anywhere in the text.
_UNBOUNDED_RULES: tuple[tuple[str, Pair], ...] = (
    ("フィッシング", ("content", "phishing")),
    ("著作権", ("copyright", "copyright")),
    ("マルウェア|ウイルス", ("content", "malware")),
    ("不正ログイン|ブルートフォース", ("connection", "login_attack")),
    ("ポートスキャン", ("connection", "port_scan")),
    ("迷惑メール|スパム", ("messaging", "spam")),
)
_COMPILED = tuple(
    (re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.I), pair) for pattern, pair in _TEXT_RULES
) + tuple((re.compile(pattern), pair) for pattern, pair in _UNBOUNDED_RULES)


def classify_text(text: str | None) -> Pair | None:
    """The pair named by the words of ``text``, or None when no rule matches."""
    if not text:
        return None
    best: tuple[int, Pair] | None = None
    for rank, (pattern, pair) in enumerate(_COMPILED):
        if pattern.search(text):
            best = (rank, pair)
            break
    return best[1] if best else None


def refine_copyright(pair: Pair, *words: str | None) -> Pair:
    """copyright/copyright becomes copyright/p2p when the protocol is peer-to-peer."""
    if pair == ("copyright", "copyright"):
        for word in words:
            if word and lookup(word) == ("copyright", "p2p"):
                return ("copyright", "p2p")
            if word and re.search(r"bittorrent|torrent|p2p|edonkey|gnutella", word, re.I):
                return ("copyright", "p2p")
    return pair
