# Oracle for the rpm interop tests: reads package headers with Debian's python3-rpm (rpm 4.18)
# and prints one JSON object per file (same field names as `atoll rpm inspect --json`).
import json, sys, os, rpm

ts = rpm.TransactionSet('/', rpm._RPMVSF_NOSIGNATURES)
ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES)

def s(v):
    if v is None: return None
    if isinstance(v, bytes): return v.decode('utf-8', 'replace')
    # python3-rpm decodes with surrogateescape; atoll (like a browser) shows U+FFFD for invalid bytes
    if isinstance(v, str): return v.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
    return v

def lst(h, tag):
    v = h[tag]
    if v is None: return []
    if not isinstance(v, list): v = [v]
    return [s(x) for x in v]

def one(h, tag):
    v = h[tag]
    if v is None or v == []: return None
    if isinstance(v, list): v = v[0]
    return s(v)

def script(h, body, prog, flags):
    b = h[body]; p = h[prog]
    if (b is None or b == []) and (p is None or p == []): return {'prog': None, 'body': None, 'flags': 0}
    if isinstance(p, list): p = ' '.join(s(x) for x in p) if p else None
    return {'prog': s(p) if p else None, 'body': s(b) if b not in (None, []) else None, 'flags': h[flags] or 0}

T = rpm
for path in sys.argv[1:]:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            h = ts.hdrFromFdno(fd)
        finally:
            os.close(fd)
    except Exception as e:
        print(json.dumps({'path': path, 'error': str(e)})); continue
    names = lst(h, rpm.RPMTAG_FILENAMES)
    n = len(names)
    def farr(tag, default):
        v = lst(h, tag)
        return v if len(v) == n else [default] * n
    files = []
    cols = {
        'mode': farr(rpm.RPMTAG_FILEMODES, 0), 'size': farr(rpm.RPMTAG_LONGFILESIZES, 0),
        'user': farr(rpm.RPMTAG_FILEUSERNAME, ''), 'group': farr(rpm.RPMTAG_FILEGROUPNAME, ''),
        'mtime': farr(rpm.RPMTAG_FILEMTIMES, 0), 'digest': farr(rpm.RPMTAG_FILEDIGESTS, ''),
        'flags': farr(rpm.RPMTAG_FILEFLAGS, 0), 'linkto': farr(rpm.RPMTAG_FILELINKTOS, ''),
        'inode': farr(rpm.RPMTAG_FILEINODES, 0), 'device': farr(rpm.RPMTAG_FILEDEVICES, 0),
        'rdev': farr(rpm.RPMTAG_FILERDEVS, 0), 'lang': farr(rpm.RPMTAG_FILELANGS, ''),
        'caps': farr(rpm.RPMTAG_FILECAPS, ''), 'verifyFlags': farr(rpm.RPMTAG_FILEVERIFYFLAGS, 0xffffffff),
        'color': farr(rpm.RPMTAG_FILECOLORS, 0),
    }
    for i in range(n):
        f = {'path': names[i]}
        for k, v in cols.items():
            x = v[i]
            if k == 'mode' and x is not None: x &= 0xffff
            if k == 'rdev' and x is not None: x &= 0xffff
            f[k] = x
        files.append(f)
    md5 = h[rpm.RPMTAG_SIGMD5]
    out = {
        'path': path,
        'name': one(h, rpm.RPMTAG_NAME), 'epoch': h[rpm.RPMTAG_EPOCH], 'version': one(h, rpm.RPMTAG_VERSION),
        'release': one(h, rpm.RPMTAG_RELEASE), 'arch': one(h, rpm.RPMTAG_ARCH),
        'summary': one(h, rpm.RPMTAG_SUMMARY) or '', 'description': one(h, rpm.RPMTAG_DESCRIPTION) or '',
        'license': one(h, rpm.RPMTAG_LICENSE) or '', 'url': one(h, rpm.RPMTAG_URL) or '',
        'vendor': one(h, rpm.RPMTAG_VENDOR) or '', 'packager': one(h, rpm.RPMTAG_PACKAGER) or '',
        'group': one(h, rpm.RPMTAG_GROUP) or '', 'buildtime': h[rpm.RPMTAG_BUILDTIME] or 0,
        'buildhost': one(h, rpm.RPMTAG_BUILDHOST) or '', 'size': h[rpm.RPMTAG_LONGSIZE] or 0,
        'sourcerpm': one(h, rpm.RPMTAG_SOURCERPM), 'os': one(h, rpm.RPMTAG_OS) or '',
        'rpmversion': one(h, rpm.RPMTAG_RPMVERSION) or '',
        'provides': lst(h, rpm.RPMTAG_PROVIDENEVRS), 'requires': lst(h, rpm.RPMTAG_REQUIRENEVRS),
        'conflicts': lst(h, rpm.RPMTAG_CONFLICTNEVRS), 'obsoletes': lst(h, rpm.RPMTAG_OBSOLETENEVRS),
        'recommends': lst(h, rpm.RPMTAG_RECOMMENDNEVRS), 'suggests': lst(h, rpm.RPMTAG_SUGGESTNEVRS),
        'supplements': lst(h, rpm.RPMTAG_SUPPLEMENTNEVRS), 'enhances': lst(h, rpm.RPMTAG_ENHANCENEVRS),
        'fileDigestAlgo': h[rpm.RPMTAG_FILEDIGESTALGO] or 1,
        'files': files,
        'scripts': {
            'pretrans': script(h, rpm.RPMTAG_PRETRANS, rpm.RPMTAG_PRETRANSPROG, rpm.RPMTAG_PRETRANSFLAGS),
            'prein': script(h, rpm.RPMTAG_PREIN, rpm.RPMTAG_PREINPROG, rpm.RPMTAG_PREINFLAGS),
            'postin': script(h, rpm.RPMTAG_POSTIN, rpm.RPMTAG_POSTINPROG, rpm.RPMTAG_POSTINFLAGS),
            'preun': script(h, rpm.RPMTAG_PREUN, rpm.RPMTAG_PREUNPROG, rpm.RPMTAG_PREUNFLAGS),
            'postun': script(h, rpm.RPMTAG_POSTUN, rpm.RPMTAG_POSTUNPROG, rpm.RPMTAG_POSTUNFLAGS),
            'posttrans': script(h, rpm.RPMTAG_POSTTRANS, rpm.RPMTAG_POSTTRANSPROG, rpm.RPMTAG_POSTTRANSFLAGS),
            'verifyscript': script(h, rpm.RPMTAG_VERIFYSCRIPT, rpm.RPMTAG_VERIFYSCRIPTPROG, rpm.RPMTAG_VERIFYSCRIPTFLAGS),
        },
        'triggers': {
            'names': lst(h, rpm.RPMTAG_TRIGGERNAME), 'versions': lst(h, rpm.RPMTAG_TRIGGERVERSION),
            'flags': lst(h, rpm.RPMTAG_TRIGGERFLAGS), 'index': lst(h, rpm.RPMTAG_TRIGGERINDEX),
            'scripts': lst(h, rpm.RPMTAG_TRIGGERSCRIPTS), 'progs': lst(h, rpm.RPMTAG_TRIGGERSCRIPTPROG),
        },
        'fileTriggers': {
            'names': lst(h, 5069), 'flags': lst(h, 5072), 'index': lst(h, 5070), 'scripts': lst(h, 5066),
            'progs': lst(h, 5067), 'priorities': lst(h, 5084),
        },
        'transFileTriggers': {
            'names': lst(h, 5079), 'flags': lst(h, 5082), 'index': lst(h, 5080), 'scripts': lst(h, 5076),
            'progs': lst(h, 5077), 'priorities': lst(h, 5085),
        },
        'changelog': {'time': lst(h, rpm.RPMTAG_CHANGELOGTIME), 'name': lst(h, rpm.RPMTAG_CHANGELOGNAME), 'text': lst(h, rpm.RPMTAG_CHANGELOGTEXT)},
        'payload': {
            'format': one(h, rpm.RPMTAG_PAYLOADFORMAT), 'compressor': one(h, rpm.RPMTAG_PAYLOADCOMPRESSOR),
            'flags': one(h, rpm.RPMTAG_PAYLOADFLAGS), 'digest': one(h, 5092), 'digestAlt': one(h, 5097),
            'digestAlgo': h[5093], 'archiveSize': h[rpm.RPMTAG_LONGARCHIVESIZE],
        },
        'signature': {
            'sha1': one(h, rpm.RPMTAG_SHA1HEADER), 'sha256': one(h, rpm.RPMTAG_SHA256HEADER),
            'md5': md5.hex() if md5 else None, 'size': h[rpm.RPMTAG_LONGSIGSIZE],
            'rsa': (h[rpm.RPMTAG_RSAHEADER] or b'').hex() or None, 'dsa': (h[rpm.RPMTAG_DSAHEADER] or b'').hex() or None,
            'pgp': (h[rpm.RPMTAG_SIGPGP] or b'').hex() or None, 'gpg': (h[rpm.RPMTAG_SIGGPG] or b'').hex() or None,
        },
    }
    print(json.dumps(out))
