#!/usr/bin/env python3
"""list_tickets.py: `booth list` through libbooth with ctypes; prints what `booth list`
prints. Usage: list_tickets.py [LIBBOOTH.so [CONFIG [SITE]]]"""
import ctypes
import sys

NAME_LEN, ADDR_LEN, TIME_LEN = 64, 64, 24  # BOOTH_NAME_LEN, BOOTH_ADDR_LEN, BOOTH_TIME_LEN
OK, LEADER_UNKNOWN, LEADER_NO_ONE = 0, 0, 1
TICKET_MANUAL, TICKET_COMMIT_PENDING = 2, 8


class Ticket(ctypes.Structure):
    """struct booth_ticket of include/booth.h."""
    _fields_ = [
        ("name", ctypes.c_char * NAME_LEN),
        ("leader", ctypes.c_char * ADDR_LEN),
        ("expires_text", ctypes.c_char * TIME_LEN),
        ("commit_pending_text", ctypes.c_char * TIME_LEN),
        ("expires", ctypes.c_int64),
        ("commit_pending_until", ctypes.c_int64),
        ("leader_kind", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
    ]


def load(path):
    lib = ctypes.CDLL(path)
    vp, u32 = ctypes.c_void_p, ctypes.c_uint32
    lib.booth_strerror.restype = ctypes.c_char_p
    lib.booth_strerror.argtypes = [u32]
    lib.booth_open.restype = u32
    lib.booth_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.POINTER(vp)]
    lib.booth_close.argtypes = [ctypes.POINTER(vp)]
    lib.booth_list.restype = u32
    lib.booth_list.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
    lib.booth_ticket_list_len.restype = u32
    lib.booth_ticket_list_len.argtypes = [vp, ctypes.POINTER(ctypes.c_size_t)]
    lib.booth_ticket_list_get.restype = u32
    lib.booth_ticket_list_get.argtypes = [vp, ctypes.c_size_t,
                                          ctypes.POINTER(ctypes.POINTER(Ticket))]
    lib.booth_ticket_list_free.argtypes = [ctypes.POINTER(vp)]
    lib.booth_last_message.restype = u32
    lib.booth_last_message.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t,
                                       ctypes.POINTER(ctypes.c_size_t)]
    return lib


def main():
    lib = load(sys.argv[1] if len(sys.argv) > 1 else "libbooth.so")
    config = sys.argv[2].encode() if len(sys.argv) > 2 else None
    site = sys.argv[3].encode() if len(sys.argv) > 3 else None
    msg = ctypes.create_string_buffer(256)
    handle = ctypes.c_void_p()
    r = lib.booth_open(config, msg, len(msg), ctypes.byref(handle))
    if r != OK:
        sys.exit(f"open: {lib.booth_strerror(r).decode()} ({r}): {msg.value.decode()}")
    try:
        tickets = ctypes.c_void_p()
        r = lib.booth_list(handle, site, ctypes.byref(tickets))
        if r != OK:
            lib.booth_last_message(handle, msg, len(msg), None)
            sys.exit(f"list: {lib.booth_strerror(r).decode()} ({r}): {msg.value.decode()}")
        n = ctypes.c_size_t()
        lib.booth_ticket_list_len(tickets, ctypes.byref(n))
        for i in range(n.value):
            t = ctypes.POINTER(Ticket)()
            lib.booth_ticket_list_get(tickets, i, ctypes.byref(t))
            t = t.contents
            line = f"ticket: {t.name.decode()}, leader: "
            if t.leader_kind == LEADER_UNKNOWN:
                line += "NONE"
            elif t.leader_kind == LEADER_NO_ONE:
                line += "none"
            else:
                line += f"{t.leader.decode()}, expires: {t.expires_text.decode()}"
                if t.flags & TICKET_COMMIT_PENDING:
                    line += f" (commit pending until {t.commit_pending_text.decode()})"
            if t.flags & TICKET_MANUAL:
                line += " [manual mode]"
            print(line)
        lib.booth_ticket_list_free(ctypes.byref(tickets))
    finally:
        lib.booth_close(ctypes.byref(handle))


if __name__ == "__main__":
    main()
