// The ncursesw API as Swift can call it. Only NcursesBackend imports this module.
//
// NCURSES_WIDECHAR must be set before curses.h: SwiftPM drops pkg-config's -D_XOPEN_SOURCE, and
// without one of them the wide-character API (get_wch, cchar_t) is not declared.
// Swift cannot import C macros with arguments or C mutable globals, so each one it needs is
// wrapped in a static inline function below.
#ifndef MESHTOP_CNCURSES_SHIM_H
#define MESHTOP_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <ncursesw/curses.h>

static inline WINDOW *meshtop_stdscr(void) { return stdscr; }
static inline FILE *meshtop_stdin(void) { return stdin; }
static inline FILE *meshtop_stdout(void) { return stdout; }
static inline int meshtop_lines(void) { return LINES; }
static inline int meshtop_cols(void) { return COLS; }
static inline int meshtop_colors(void) { return COLORS; }
static inline int meshtop_color_pairs(void) { return COLOR_PAIRS; }

static inline int meshtop_getmaxy(WINDOW *window) { int y, x; getmaxyx(window, y, x); (void)x; return y; }
static inline int meshtop_getmaxx(WINDOW *window) { int y, x; getmaxyx(window, y, x); (void)y; return x; }

static inline attr_t meshtop_a_normal(void) { return A_NORMAL; }
static inline attr_t meshtop_a_bold(void) { return A_BOLD; }
static inline attr_t meshtop_a_reverse(void) { return A_REVERSE; }
static inline attr_t meshtop_a_underline(void) { return A_UNDERLINE; }
static inline attr_t meshtop_a_dim(void) { return A_DIM; }
static inline attr_t meshtop_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int meshtop_attrset(WINDOW *window, attr_t attributes) { return wattrset(window, (int)attributes); }

static inline int meshtop_key_code_yes(void) { return KEY_CODE_YES; }

/// The locale's character set after setlocale ("UTF-8", "ANSI_X3.4-1968", ...).
static inline const char *meshtop_codeset(void) { return nl_langinfo(CODESET); }

#endif
