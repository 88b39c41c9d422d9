# GLib oracle for test/interop/gvariant-glib.test.ts. Reads JSON lines on stdin, one request
# per line, and answers one line each:
#   {"build": TYPE, "value": JSON}  -> hex of GLib's serialization of that value
#   {"check": TYPE, "hex": HEX}     -> "1" if GLib calls the bytes normal form, else "0"
#   {"print": TYPE, "value": JSON}  -> g_variant_print(value, TRUE) as a JSON string
#   {"byteswap": TYPE, "value": JSON} -> hex of g_variant_byteswap(value)
#   {"parse": TEXT}                 -> [type, hex] of g_variant_parse(NULL, TEXT), or ["ERR", message]
# Run with Debian's /usr/bin/python3 (python3-gi).
import json, struct, sys
from gi.repository import GLib

def scan(s, i):
    c = s[i]
    if c in 'ma':
        return scan(s, i + 1)
    if c in '({':
        j = i + 1
        while s[j] not in ')}':
            j = scan(s, j)
        return j + 1
    return i + 1

def members(s):
    out, i = [], 1
    while s[i] not in ')}':
        j = scan(s, i)
        out.append(s[i:j])
        i = j
    return out

def build(t, j):
    c = t[0]
    V = GLib.Variant
    if c == 'b': return V.new_boolean(j)
    if c == 'y': return V.new_byte(j)
    if c == 'n': return V.new_int16(j)
    if c == 'q': return V.new_uint16(j)
    if c == 'i': return V.new_int32(j)
    if c == 'u': return V.new_uint32(j)
    if c == 'h': return V.new_handle(j)
    if c == 'x': return V.new_int64(int(j))
    if c == 't': return V.new_uint64(int(j))
    if c == 'd': return V.new_double(struct.unpack('<d', bytes.fromhex(j))[0])
    if c == 's': return V.new_string(j)
    if c == 'o': return V.new_object_path(j)
    if c == 'g': return V.new_signature(j)
    if c == 'v': return V.new_variant(build(j['t'], j['v']))
    if c == 'm':
        et = t[1:]
        return V.new_maybe(GLib.VariantType.new(et), None if j is None else build(et, j[0]))
    if c == 'a':
        et = t[1:]
        if et == 'y':
            return V.new_from_bytes(GLib.VariantType.new('ay'), GLib.Bytes.new(bytes.fromhex(j)), True)
        return V.new_array(GLib.VariantType.new(et), [build(et, e) for e in j])
    if c == '(':
        return V.new_tuple(*[build(m, x) for m, x in zip(members(t), j)])
    if c == '{':
        k, v = members(t)
        return V.new_dict_entry(build(k, j[0]), build(v, j[1]))
    raise ValueError(t)

out = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    if 'parse' in req:
        try:
            v = GLib.Variant.parse(None, req['parse'], None, None)
            d = v.get_data_as_bytes().get_data()
            out.write(json.dumps([v.get_type_string(), (bytes(d) if d else b'').hex()]) + '\n')
        except Exception as e:
            out.write(json.dumps(['ERR', str(e)]) + '\n')
    elif 'byteswap' in req:
        d = build(req['byteswap'], req['value']).byteswap().get_data_as_bytes().get_data()
        out.write((bytes(d) if d else b'').hex() + '\n')
    elif 'print' in req:
        out.write(json.dumps(build(req['print'], req['value']).print_(True)) + '\n')
    elif 'build' in req:
        v = build(req['build'], req['value'])
        d = v.get_data_as_bytes().get_data()
        out.write((bytes(d) if d else b'').hex() + '\n')
    else:
        data = bytes.fromhex(req['hex'])
        v = GLib.Variant.new_from_bytes(GLib.VariantType.new(req['check']), GLib.Bytes.new(data), False)
        out.write(('1' if v.is_normal_form() else '0') + '\n')
