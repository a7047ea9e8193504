// ncursesw (Debian libncurses-dev). SwiftPM drops pkg-config cflags, so the wide
// API is switched on here; macros and globals Swift cannot see are wrapped.
#ifndef USHER_CNCURSESW_SHIM_H
#define USHER_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *usher_stdscr(void) { return stdscr; }
static inline int usher_lines(void) { return LINES; }
static inline int usher_cols(void) { return COLS; }
static inline attr_t usher_a_bold(void) { return A_BOLD; }
static inline attr_t usher_a_reverse(void) { return A_REVERSE; }
static inline attr_t usher_a_normal(void) { return A_NORMAL; }
static inline int usher_key_resize(void) { return KEY_RESIZE; }
static inline int usher_key_backspace(void) { return KEY_BACKSPACE; }
static inline int usher_key_enter(void) { return KEY_ENTER; }
static inline int usher_key_code_yes(void) { return KEY_CODE_YES; }
static inline int usher_key_up(void) { return KEY_UP; }
static inline int usher_key_down(void) { return KEY_DOWN; }
static inline int usher_key_left(void) { return KEY_LEFT; }
static inline int usher_key_right(void) { return KEY_RIGHT; }
static inline int usher_key_page_up(void) { return KEY_PPAGE; }
static inline int usher_key_page_down(void) { return KEY_NPAGE; }
static inline int usher_key_home(void) { return KEY_HOME; }
static inline int usher_key_end(void) { return KEY_END; }
static inline int usher_key_btab(void) { return KEY_BTAB; }
static inline int usher_err(void) { return ERR; }

/// Reads one key: returns ERR on timeout, KEY_CODE_YES with a function key in
/// `*key`, or OK with a character in `*key`.
static inline int usher_get_key(int *key) {
    wint_t wide = 0;
    int result = wget_wch(stdscr, &wide);
    *key = (int)wide;
    return result;
}

static inline int usher_draw(int y, int x, const char *utf8, attr_t attributes, short pair) {
    attr_set(attributes, pair, NULL);
    return mvaddstr(y, x, utf8);
}
#endif
