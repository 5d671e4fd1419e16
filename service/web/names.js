// Names of accounts and courses for the labels, asked once per page load and remembered.

import {api} from "./api.js";

const cache = new Map();

export function contextName(type, id) {
  const key = `${type}:${id}`;
  if (!cache.has(key)) {
    const path = type === "Course" ? `/api/v1/courses/${id}` : `/api/v1/accounts/${id}`;
    cache.set(key, api(path).then(({data}) => data.name || `${type} ${id}`, () => `${type} ${id}`));
  }
  return cache.get(key);
}
