# The planner binary in a small image, for a Kubernetes Indexed Job or any scheduler that
# runs containers (docs/scale-out.md). Two stages: the toolchain builds the shipped binary
# (`--profile dist`: fat LTO), and only the binary goes into the runtime image.
#
#   docker build -t planner:0.1.0 .
#   docker run --rm planner:0.1.0 optimize --target-rate 2 --timeout 5

FROM rust:1-bookworm AS build
WORKDIR /src
# The manifest and lock first: the dependencies build in their own layer, cached until
# Cargo.lock changes, not at every edit of src/.
COPY Cargo.toml Cargo.lock ./
# Cargo reads every declared target's path, even those it does not build: the bench too.
COPY benches ./benches
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --locked --profile dist --bin planner \
    && rm -rf src
COPY data ./data
COPY src ./src
# The placeholder's artefacts are older than the real sources; touch them so cargo rebuilds.
RUN touch src/main.rs src/lib.rs \
    && cargo build --locked --profile dist --bin planner \
    && strip target/dist/planner

FROM debian:bookworm-slim
COPY --from=build /src/target/dist/planner /usr/local/bin/planner
# Shards write their files here; mount the shared volume at /results.
WORKDIR /results
# Not root: a shard writes only its own files.
USER 65534:65534
ENTRYPOINT ["planner"]
CMD ["--help"]
