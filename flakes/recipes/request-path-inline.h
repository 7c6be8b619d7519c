/* kiln: the small HAProxy 3.0 helpers that optimize = balanced inlines on the request path.
 *
 * The cc wrapper force-includes this file (-include) before each of the recipe's
 * kiln_forceinline_sources, so these declarations come before HAProxy's own definitions
 * and GCC merges the attribute into them. At -Oz GCC inlines a call only where the code
 * does not grow, so helpers of a few instructions stay calls: sc_state_bit (a BUG_ON makes
 * it too big for any small budget) 22 times per request, htxbuf 14, htx_get_blksz 11,
 * htx_free_data_space 9, and the stick counters' increments 18 times with no counter
 * tracked; then (a second pass) sc_sync_recv, sc_set_hcto, htx_is_unique_blk, the HTX
 * block's name and value, offer_buffers and objt_conn, 13 calls more. Inlining these few
 * everywhere in those files costs fewer bytes than a larger inline budget for everything
 * there (README, Speed under load). htx_from_buf and htx_reset, 7 calls, were measured and
 * left out: they cost 390 bytes (zstd) for about 120 instructions per request.
 *
 * Each declaration must be the signature HAProxy defines, or the compile fails with
 * "conflicting types"; haproxy.nix gives this file only to HAProxy 3.0.x, whose headers it
 * was written against (a test checks each one against the pinned tarball). */
#include <stdint.h>

enum sc_state;
enum sc_state_bit;
enum obj_type;
struct buffer;
struct connection;
struct htx;
struct htx_blk;
struct ist;
struct stconn;
struct stkctr;

/* include/haproxy/sc_strm.h */
static inline enum sc_state_bit sc_state_bit(enum sc_state state) __attribute__((__always_inline__));
static inline void sc_sync_send(struct stconn *sc) __attribute__((__always_inline__));
static inline int sc_sync_recv(struct stconn *sc) __attribute__((__always_inline__));
static inline void sc_set_hcto(struct stconn *sc) __attribute__((__always_inline__));
/* include/haproxy/htx.h */
static inline uint32_t htx_get_blksz(const struct htx_blk *blk) __attribute__((__always_inline__));
static inline uint32_t htx_free_data_space(const struct htx *htx) __attribute__((__always_inline__));
static inline struct htx *htxbuf(const struct buffer *buf) __attribute__((__always_inline__));
static inline int htx_is_unique_blk(const struct htx *htx, const struct htx_blk *blk) __attribute__((__always_inline__));
static inline struct ist htx_get_blk_name(const struct htx *htx, const struct htx_blk *blk) __attribute__((__always_inline__));
static inline struct ist htx_get_blk_value(const struct htx *htx, const struct htx_blk *blk) __attribute__((__always_inline__));
/* include/haproxy/dynbuf.h */
static inline void offer_buffers(void *from, unsigned int count) __attribute__((__always_inline__));
/* include/haproxy/obj_type.h */
static inline struct connection *objt_conn(enum obj_type *t) __attribute__((__always_inline__));
/* include/import/ist.h */
static inline int isteqi(const struct ist ist1, const struct ist ist2) __attribute__((__always_inline__));
/* include/haproxy/stick_table.h */
static inline int stkctr_inc_http_req_ctr(struct stkctr *stkctr) __attribute__((__always_inline__));
static inline int stkctr_inc_bytes_in_ctr(struct stkctr *stkctr, unsigned long long bytes) __attribute__((__always_inline__));
static inline int stkctr_inc_bytes_out_ctr(struct stkctr *stkctr, unsigned long long bytes) __attribute__((__always_inline__));
