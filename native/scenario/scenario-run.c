/*
 * cacheshadow-scenario: the guest side of a training scenario (./cacheshadow scenario). Static, run by the
 * scenario's /init (native/scenario/init) inside a real Debian guest; the host runs the same binary to check a
 * script before it boots anything, so host and guest read a script one way.
 *
 *   cacheshadow-scenario check SCRIPT        prints the number of parts (a part ends at each "sync"; one more after
 *                                            the last); a bad line is "SCRIPT:N: why" on stderr, exit 2
 *   cacheshadow-scenario run SCRIPT PART     does part PART (1 = up to the first sync); one line per operation on
 *                                            stdout ("op ..."), and "path P" for each path it named; exit 1 with
 *                                            "SCRIPT:N: why" when an operation fails in the guest
 *   cacheshadow-scenario generations TAG DIR  "TAG PATH GENERATION" (tab-separated) for DIR and every file and
 *                                            directory below it: ext4's i_generation (FS_IOC_GETVERSION), which tells
 *                                            a renamed file from a new one that got a deleted file's inode number
 *   cacheshadow-scenario manifest [--sync] DIR...  the guest's own listing (the answer key's ground truth): a header
 *                                            and one tab-separated line per path at and below each DIR, sorted bytewise:
 *                                            path type mode uid gid size nlink inode atime mtime ctime mtime_full
 *                                            sha256 symlink_target ("-" where it does not apply). Every file is read
 *                                            (hashed) before anything is stat-ed, since reading moves atimes; --sync
 *                                            syncs in between, so the listing is also what the disk holds
 *   cacheshadow-scenario pages PATH...       the SHA-256 of every 4 KiB page (the last one zero padded) of each regular
 *                                            file at and below each PATH, once each, sorted: a header and "path
 *                                            page_index sha256" lines (what the page cache must hold of them)
 *
 * Operations (one per line, # comments, fields split by blanks, TEXT = the rest of the line as it is):
 *   sync | mkdir P [MODE] | write P TEXT | append P TEXT | lines P N TEXT | overwrite P OFFSET TEXT |
 *   fill P BYTES | truncate P SIZE | delete P | rename P NEWP | chmod MODE P | chown UID:GID P |
 *   symlink TARGET P | link P NEWP | touch P EPOCH | files P N
 * files makes the directory P with N files of 4096 bytes (1 to 100000), P/dNNN/fNNNNNNN.bin, 1000 to a directory,
 * each one's bytes seeded by its path (as fill's): a workload of many small cached files.
 * Every P is under /mnt/disk/ (the guest's ext4 disk) or /mnt/tmp/ (its tmpfs), with no "." or ".." part; a
 * symlink's TARGET is stored as written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAXLINE 4096
#define MAXFIELDS 4

static const char *script;
static int lineno;

static int fail(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "%s:%d: ", script, lineno);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return -1;
}

static int good_path(const char *p) {
  if (strncmp(p, "/mnt/disk/", 10) && strncmp(p, "/mnt/tmp/", 9)) return 0;
  const char *s = p + 1;
  for (;;) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') || n > 255) return 0;
    if (!e) return 1;
    s = e + 1;
  }
}

static int number(const char *s, unsigned long long max, unsigned long long *v, int base) {
  char *end; errno = 0;
  unsigned long long x = strtoull(s, &end, base);
  if (!*s || *end || errno || x > max || *s == '-') return 0;
  *v = x; return 1;
}

/* fields[0..n) split by blanks; *text = what follows the first `ntext` fields (NULL when nothing does) */
static int split(char *line, char **f, int nf, char **text) {
  int n = 0; char *s = line;
  *text = NULL;
  while (n < nf) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) break;
    f[n++] = s;
    while (*s && *s != ' ' && *s != '\t') s++;
    if (!*s) break;
    *s++ = 0;
  }
  if (n == nf) { while (*s == ' ' || *s == '\t') s++; if (*s) *text = s; }
  return n;
}

/* fields each operation takes before its TEXT (-1: no TEXT); which fields are paths */
struct opdef { const char *name; int fields; int text; int paths[2]; };
static const struct opdef OPS[] = {
  {"sync", 1, 0, {0, 0}}, {"mkdir", 3, 0, {1, 0}}, {"write", 2, 1, {1, 0}}, {"append", 2, 1, {1, 0}},
  {"lines", 3, 1, {1, 0}}, {"overwrite", 3, 1, {1, 0}}, {"fill", 3, 0, {1, 0}}, {"truncate", 3, 0, {1, 0}},
  {"delete", 2, 0, {1, 0}}, {"rename", 3, 0, {1, 2}}, {"chmod", 3, 0, {2, 0}}, {"chown", 3, 0, {2, 0}},
  {"symlink", 3, 0, {2, 0}}, {"link", 3, 0, {1, 2}}, {"touch", 3, 0, {1, 0}}, {"files", 3, 0, {1, 0}},
};

/* parses one line: 0 blank/comment, 1 an operation (fields, text set), -1 bad */
static int parse(char *line, const struct opdef **op, char **f, char **text) {
  size_t len = strlen(line);
  if (len && line[len - 1] == '\n') line[--len] = 0;
  if (len && line[len - 1] == '\r') line[--len] = 0;
  char *s = line; while (*s == ' ' || *s == '\t') s++;
  if (!*s || *s == '#') return 0;
  for (size_t i = 0; i < len; i++) if ((unsigned char)line[i] < 0x20 && line[i] != '\t') return fail("a control character in the line%s%s", "", "");
  char *name = s; while (*s && *s != ' ' && *s != '\t') s++;
  size_t nlen = (size_t)(s - name);
  *op = NULL;
  for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
    if (strlen(OPS[i].name) == nlen && !strncmp(OPS[i].name, name, nlen)) *op = &OPS[i];
  if (!*op) { char w[64]; snprintf(w, sizeof w, "%.*s", (int)(nlen < 40 ? nlen : 40), name); return fail("unknown operation '%s'%s", w, ""); }
  int want = (*op)->fields, got = split(line, f, want, text);
  /* mkdir's MODE is optional */
  int optional = !strcmp((*op)->name, "mkdir");
  if (got < want - optional) return fail("%s needs %s", (*op)->name, (*op)->text ? "more fields and a text" : "more fields");
  if ((*op)->text && !*text) return fail("%s needs a text after its fields%s", (*op)->name, "");
  if (!(*op)->text && *text) return fail("%s: unexpected '%s'", (*op)->name, *text);
  for (int k = 0; k < 2; k++) {
    int i = (*op)->paths[k];
    if (i && !good_path(f[i])) return fail("'%s' is not a path under /mnt/disk/ or /mnt/tmp/ (no . or .. parts)%s", f[i], "");
  }
  unsigned long long v;
  const char *n = (*op)->name;
  if (!strcmp(n, "mkdir") && f[2] && !number(f[2], 07777, &v, 8)) return fail("mkdir: bad mode '%s'%s", f[2], "");
  if (!strcmp(n, "chmod") && !number(f[1], 07777, &v, 8)) return fail("chmod: bad mode '%s'%s", f[1], "");
  if ((!strcmp(n, "lines")) && !number(f[2], 1000000, &v, 10)) return fail("lines: bad count '%s' (at most 1000000)%s", f[2], "");
  if ((!strcmp(n, "overwrite")) && !number(f[2], 1ULL << 30, &v, 10)) return fail("overwrite: bad offset '%s'%s", f[2], "");
  if ((!strcmp(n, "fill") || !strcmp(n, "truncate")) && !number(f[2], 64ULL << 20, &v, 10)) return fail("%s: bad size '%s' (at most 64 MiB)", n, f[2]);
  if (!strcmp(n, "touch") && !number(f[2], 4102444800ULL, &v, 10)) return fail("touch: bad time '%s' (epoch seconds)%s", f[2], "");
  if (!strcmp(n, "files") && (!number(f[2], 100000, &v, 10) || v == 0)) return fail("files: bad count '%s' (1 to 100000)%s", f[2], "");
  if (!strcmp(n, "chown")) {
    char *c = strchr(f[1], ':'); unsigned long long g;
    if (!c) return fail("chown: '%s' is not UID:GID%s", f[1], "");
    *c = 0; int ok = number(f[1], 0xfffffffeULL, &v, 10) && number(c + 1, 0xfffffffeULL, &g, 10); *c = ':';
    if (!ok) return fail("chown: '%s' is not UID:GID%s", f[1], "");
  }
  if (!strcmp(n, "symlink") && (!*f[1] || strlen(f[1]) > 4000)) return fail("symlink: bad target%s%s", "", "");
  return 1;
}

static int write_all(int fd, const char *b, size_t n) {
  while (n) { ssize_t w = write(fd, b, n); if (w < 0) { if (errno == EINTR) continue; return -1; } b += w; n -= (size_t)w; }
  return 0;
}

static int put(const char *p, int flags, off_t at, const char *text, int newline) {
  int fd = open(p, flags | O_WRONLY, 0644);
  if (fd < 0) return -1;
  int r = (at >= 0 && lseek(fd, at, SEEK_SET) < 0) || write_all(fd, text, strlen(text)) || (newline && write_all(fd, "\n", 1));
  return close(fd) || r ? -1 : 0;
}

/* deterministic bytes for fill: xorshift64* from the path */
static int fill(const char *p, unsigned long long n) {
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (const char *c = p; *c; c++) x = (x ^ (unsigned char)*c) * 0x100000001b3ULL;
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  char buf[4096]; int r = 0;
  while (n && !r) {
    size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
    for (size_t i = 0; i < k; i += 8) {
      x ^= x >> 12; x ^= x << 25; x ^= x >> 27; uint64_t y = x * 0x2545f4914f6cdd1dULL;
      memcpy(buf + i, &y, k - i < 8 ? k - i : 8);
    }
    r = write_all(fd, buf, k); n -= k;
  }
  return close(fd) || r ? -1 : 0;
}

static int perform(const struct opdef *op, char **f, const char *text) {
  const char *n = op->name; unsigned long long v = 0;
  if (!strcmp(n, "mkdir")) return mkdir(f[1], f[2] ? (mode_t)strtoul(f[2], 0, 8) : 0755) || (f[2] && chmod(f[1], (mode_t)strtoul(f[2], 0, 8))) ? -1 : 0;
  if (!strcmp(n, "write")) return put(f[1], O_CREAT | O_TRUNC, -1, text, 1);
  if (!strcmp(n, "append")) return put(f[1], O_APPEND, -1, text, 1);
  if (!strcmp(n, "lines")) {
    int fd = open(f[1], O_WRONLY | O_APPEND | O_CREAT, 0644); if (fd < 0) return -1;
    number(f[2], 1000000, &v, 10); int r = 0;
    for (unsigned long long i = 1; i <= v && !r; i++) { char num[32]; snprintf(num, sizeof num, " %llu\n", i); r = write_all(fd, text, strlen(text)) || write_all(fd, num, strlen(num)); }
    return close(fd) || r ? -1 : 0;
  }
  if (!strcmp(n, "overwrite")) { number(f[2], 1ULL << 30, &v, 10); return put(f[1], 0, (off_t)v, text, 0); }
  if (!strcmp(n, "fill")) { number(f[2], 64ULL << 20, &v, 10); return fill(f[1], v); }
  if (!strcmp(n, "truncate")) { number(f[2], 64ULL << 20, &v, 10); return truncate(f[1], (off_t)v); }
  if (!strcmp(n, "delete")) { struct stat st; if (lstat(f[1], &st)) return -1; return S_ISDIR(st.st_mode) ? rmdir(f[1]) : unlink(f[1]); }
  if (!strcmp(n, "rename")) { struct stat st; if (!lstat(f[2], &st)) { errno = EEXIST; return -1; } return rename(f[1], f[2]); }
  if (!strcmp(n, "chmod")) return chmod(f[2], (mode_t)strtoul(f[1], 0, 8));
  if (!strcmp(n, "chown")) { unsigned long u = strtoul(f[1], 0, 10), g = strtoul(strchr(f[1], ':') + 1, 0, 10); return lchown(f[2], (uid_t)u, (gid_t)g); }
  if (!strcmp(n, "symlink")) return symlink(f[1], f[2]);
  if (!strcmp(n, "link")) return link(f[1], f[2]);
  if (!strcmp(n, "touch")) {
    number(f[2], 4102444800ULL, &v, 10);
    struct timespec t[2] = {{(time_t)v, 0}, {(time_t)v, 0}};
    return utimensat(AT_FDCWD, f[1], t, AT_SYMLINK_NOFOLLOW);
  }
  if (!strcmp(n, "files")) {
    number(f[2], 100000, &v, 10);
    if (mkdir(f[1], 0755)) return -1;
    char p[MAXLINE + 64];
    for (unsigned long long i = 0; i < v; i++) {
      if (i % 1000 == 0) { snprintf(p, sizeof p, "%s/d%03llu", f[1], i / 1000); if (mkdir(p, 0755)) return -1; }
      snprintf(p, sizeof p, "%s/d%03llu/f%07llu.bin", f[1], i / 1000, i);
      if (fill(p, 4096)) return -1;
    }
    return 0;
  }
  errno = EINVAL; return -1;
}

/* every file and directory at and below path, depth first (symbolic links and others not opened: no generation) */
static void generations(const char *tag, const char *path, int depth) {
  struct stat st;
  if (depth > 64 || lstat(path, &st) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) return;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return;
  unsigned int g;
  if (!ioctl(fd, FS_IOC_GETVERSION, &g)) printf("%s\t%s\t%u\n", tag, path, g);
  close(fd);
  if (!S_ISDIR(st.st_mode)) return;
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *child;
    if (asprintf(&child, "%s/%s", path, e->d_name) < 0) break;
    generations(tag, child, depth + 1);
    free(child);
  }
  closedir(d);
}

/* SHA-256 (FIPS 180-4), for the listing's content hashes: the guest has no other hasher that is static */
struct sha256 { uint32_t h[8]; unsigned char block[64]; size_t fill; uint64_t bytes; };
static const uint32_t SHA_K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
static uint32_t rotr(uint32_t x, int n) { return x >> n | x << (32 - n); }
static void sha_compress(struct sha256 *s, const unsigned char *b) {
  uint32_t w[64], v[8];
  for (int i = 0; i < 16; i++) w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
  for (int i = 16; i < 64; i++)
    w[i] = w[i - 16] + (rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ w[i - 15] >> 3) + w[i - 7] + (rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ w[i - 2] >> 10);
  memcpy(v, s->h, sizeof v);
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = v[7] + (rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + SHA_K[i] + w[i];
    uint32_t t2 = (rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1; v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++) s->h[i] += v[i];
}
static void sha_start(struct sha256 *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv); s->fill = 0; s->bytes = 0;
}
static void sha_add(struct sha256 *s, const unsigned char *p, size_t n) {
  s->bytes += n;
  while (n) {
    size_t k = 64 - s->fill < n ? 64 - s->fill : n;
    memcpy(s->block + s->fill, p, k); s->fill += k; p += k; n -= k;
    if (s->fill == 64) { sha_compress(s, s->block); s->fill = 0; }
  }
}
static void sha_hex(struct sha256 *s, char out[65]) {
  uint64_t bits = s->bytes * 8; unsigned char pad[72] = {0x80}, len[8];
  size_t npad = (s->fill < 56 ? 56 : 120) - s->fill;
  for (int i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha_add(s, pad, npad); sha_add(s, len, 8);
  for (int i = 0; i < 8; i++) sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* the listing: every path at and below the roots, then each one's hash or link target, then each one's stat */
struct entry { char *path; char hash[65]; char *target; };
static struct entry *entries; static size_t nentries, capentries;
static void collect(const char *path, int depth) {
  if (nentries == capentries) {
    capentries = capentries ? 2 * capentries : 1024;
    if (!(entries = realloc(entries, capentries * sizeof *entries))) { perror("manifest"); exit(1); }
  }
  struct entry *e = &entries[nentries++];
  memset(e, 0, sizeof *e);
  if (!(e->path = strdup(path))) { perror("manifest"); exit(1); }
  struct stat st;
  if (depth > 64 || lstat(path, &st) || !S_ISDIR(st.st_mode)) return;
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char *child;
    if (asprintf(&child, "%s/%s", path, de->d_name) < 0) { perror("manifest"); exit(1); }
    collect(child, depth + 1);
    free(child);
  }
  closedir(d);
}
static int by_path(const void *a, const void *b) { return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path); }
static const char *kind(const struct stat *st) {
  switch (st->st_mode & S_IFMT) {
    case S_IFREG: return st->st_size ? "regular file" : "regular empty file";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symbolic link";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    case S_IFCHR: return "character special file";
    case S_IFBLK: return "block special file";
  }
  return "weird file";
}
static int manifest(int argc, char **argv) {
  int i = 0, sync_between = argc > 0 && !strcmp(argv[0], "--sync");
  for (i = sync_between; i < argc; i++) collect(argv[i], 0);
  qsort(entries, nentries, sizeof *entries, by_path);
  static unsigned char buf[1 << 16];
  for (size_t k = 0; k < nentries; k++) {
    struct entry *e = &entries[k]; struct stat st;
    strcpy(e->hash, "-");
    if (lstat(e->path, &st)) continue;
    if (S_ISREG(st.st_mode)) {
      int fd = open(e->path, O_RDONLY); struct sha256 s; ssize_t n = 0;
      if (fd < 0) { strcpy(e->hash, "ERROR"); continue; }
      sha_start(&s);
      while ((n = read(fd, buf, sizeof buf)) > 0) sha_add(&s, buf, (size_t)n);
      close(fd);
      if (n < 0) strcpy(e->hash, "ERROR"); else sha_hex(&s, e->hash);
    } else if (S_ISLNK(st.st_mode)) {
      char t[4097]; ssize_t n = readlink(e->path, t, sizeof t - 1);
      t[n < 0 ? 0 : n] = 0;
      if (!(e->target = strdup(t))) { perror("manifest"); return 1; }
    }
  }
  if (sync_between) sync();
  printf("path\ttype\tmode\tuid\tgid\tsize\tnlink\tinode\tatime\tmtime\tctime\tmtime_full\tsha256\tsymlink_target\n");
  for (size_t k = 0; k < nentries; k++) {
    struct entry *e = &entries[k]; struct stat st; struct tm tm; char when[32];
    if (lstat(e->path, &st)) { fprintf(stderr, "manifest: %s: %s\n", e->path, strerror(errno)); return 1; }
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    printf("%s\t%s\t%o\t%u\t%u\t%lld\t%lu\t%lu\t%lld\t%lld\t%lld\t%s.%09ld +0000\t%s\t%s\n", e->path, kind(&st),
           (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid, (long long)st.st_size,
           (unsigned long)st.st_nlink, (unsigned long)st.st_ino, (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec,
           (long long)st.st_ctim.tv_sec, when, st.st_mtim.tv_nsec, S_ISREG(st.st_mode) ? e->hash : "-",
           S_ISLNK(st.st_mode) && e->target ? e->target : "-");
  }
  return fflush(stdout) ? 1 : 0;
}

/* the page hashes of every regular file at and below the roots, each file once */
static int pages(int argc, char **argv) {
  for (int i = 0; i < argc; i++) collect(argv[i], 0);
  qsort(entries, nentries, sizeof *entries, by_path);
  static unsigned char page[4096];
  printf("path\tpage_index\tsha256_4k_zero_padded\n");
  for (size_t k = 0; k < nentries; k++) {
    struct stat st;
    if ((k && !strcmp(entries[k].path, entries[k - 1].path)) || lstat(entries[k].path, &st) || !S_ISREG(st.st_mode)) continue;
    int fd = open(entries[k].path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "pages: %s: %s\n", entries[k].path, strerror(errno)); return 1; }
    for (long long index = 0;; index++) {
      ssize_t got = 0, n;
      while (got < 4096 && (n = read(fd, page + got, 4096 - (size_t)got)) > 0) got += n;
      if (got == 0) break;
      memset(page + got, 0, 4096 - (size_t)got);
      struct sha256 s; char hex[65];
      sha_start(&s); sha_add(&s, page, sizeof page); sha_hex(&s, hex);
      printf("%s\t%lld\t%s\n", entries[k].path, index, hex);
      if (got < 4096) break;
    }
    close(fd);
  }
  return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "manifest")) return manifest(argc - 2, argv + 2);
  if (argc >= 3 && !strcmp(argv[1], "pages")) return pages(argc - 2, argv + 2);
  if (argc == 4 && !strcmp(argv[1], "generations")) { generations(argv[2], argv[3], 0); return 0; }
  int run = argc == 4 && !strcmp(argv[1], "run");
  if (!(argc == 3 && !strcmp(argv[1], "check")) && !run) {
    fprintf(stderr, "usage: cacheshadow-scenario check SCRIPT | run SCRIPT PART | generations TAG DIR | manifest [--sync] DIR... | pages PATH...\n");
    return 2;
  }
  script = argv[2];
  unsigned long long want = 0;
  if (run && (!number(argv[3], 100000, &want, 10) || want == 0)) { fprintf(stderr, "run: bad part '%s'\n", argv[3]); return 2; }
  FILE *in = fopen(script, "r");
  if (!in) { fprintf(stderr, "%s: %s\n", script, strerror(errno)); return 2; }
  char line[MAXLINE + 2]; unsigned long long part = 1; int bad = 0, ops = 0;
  while (fgets(line, sizeof line, in)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(in)) { fail("line longer than %s bytes%s", "4096", ""); bad = 1; break; }
    if (lineno > 100000) { fail("more than %s lines%s", "100000", ""); bad = 1; break; }
    const struct opdef *op; char *f[MAXFIELDS] = {0}; char *text;
    int r = parse(line, &op, f, &text);
    if (r < 0) { bad = 1; continue; }
    if (r == 0) continue;
    ops++;
    if (!strcmp(op->name, "sync")) { part++; continue; }
    if (!run || part != want) continue;
    if (perform(op, f, text)) { int e = errno; fail("%s failed: %s", op->name, strerror(e)); fclose(in); return 1; }
    printf("op %s", op->name);
    for (int i = 1; i < op->fields && f[i]; i++) printf(" %s", f[i]);
    if (text) printf(" (%zu bytes of text)", strlen(text));
    printf("\n");
    for (int k = 0; k < 2; k++) if (op->paths[k]) printf("path %s\n", f[op->paths[k]]);
  }
  fclose(in);
  if (bad) return 2;
  if (!ops) { lineno = 0; fail("no operations%s%s", "", ""); return 2; }
  if (!run) printf("%llu\n", part);
  else if (want > part) { fprintf(stderr, "%s: no part %llu (%llu parts)\n", script, want, part); return 2; }
  return 0;
}
